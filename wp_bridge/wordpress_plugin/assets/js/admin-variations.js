/**
 * woo3d in the variations panels of the product editor: each variation's model state, and its
 * Generate/Regenerate buttons, through the same woo3d REST routes as the product's meta box.
 * WooCommerce loads the panels after the page (then fires `woocommerce_variations_loaded`). A
 * regeneration that would make a paid call asks first, as the meta box does.
 */
( function ( $ ) {
	'use strict';
	const config = window.woo3dVariations;
	const api = window.woo3dApi;
	if ( ! config || ! api || ! $ ) {
		return;
	}
	const timers = {};

	function show( panel, state, message ) {
		const line = panel.querySelector( '.woo3d-variation__status' );
		line.dataset.state = state;
		line.textContent = message;
		const busy = state === 'queued' || state === 'running';
		panel.querySelectorAll( '.woo3d-variation-generate' ).forEach( function ( button ) {
			button.disabled = busy;
		} );
	}

	function poll( panel ) {
		const id = panel.dataset.productId;
		window.clearTimeout( timers[ id ] );
		api.call( '/products/' + id + '/status', { method: 'GET' } ).then( function ( body ) {
			show( panel, body.status.state, body.status.message );
			const link = panel.querySelector( '.woo3d-variation__link' );
			if ( body.model && body.model.glb ) {
				link.href = body.model.glb;
				link.hidden = false;
			}
			if ( body.status.state === 'queued' || body.status.state === 'running' ) {
				timers[ id ] = window.setTimeout( function () {
					poll( panel );
				}, config.pollMs );
			}
		} ).catch( function ( error ) {
			show( panel, 'error', error.message );
		} );
	}

	function scan() {
		document.querySelectorAll( '.woo3d-variation:not([data-woo3d-ready])' ).forEach( function ( panel ) {
			panel.dataset.woo3dReady = '1';
			poll( panel );
		} );
	}

	$( document ).on( 'click', '.woo3d-variation-generate', function ( event ) {
		event.preventDefault();
		const button = event.currentTarget;
		const panel = button.closest( '.woo3d-variation' );
		const line = panel.querySelector( '.woo3d-variation__status' );
		const before = { state: line.dataset.state, message: line.textContent };
		show( panel, 'queued', config.i18n.starting );
		api.postConfirmingPaid( '/products/' + panel.dataset.productId + '/generate', {
			force: button.dataset.force === '1',
		} ).then( function ( body ) {
			if ( body === null ) {
				show( panel, before.state, before.message );
			} else if ( body.queued ) {
				show( panel, body.status.state, body.message );
				timers[ panel.dataset.productId ] = window.setTimeout( function () {
					poll( panel );
				}, config.pollMs );
			} else {
				show( panel, 'none', body.message );
			}
		} ).catch( function ( error ) {
			show( panel, 'error', error.message );
		} );
	} );
	$( document ).on( 'woocommerce_variations_loaded', scan );
	$( scan );
}( window.jQuery ) );
