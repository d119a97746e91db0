/**
 * woo3d product meta box: starts a job through WordPress's woo3d REST routes and polls its status
 * (queued → running: stage → done / failed: reason) until it settles. A regeneration that would make
 * a paid call asks first (woo3dApi.postConfirmingPaid); a "no" leaves the box as it was.
 */
( function () {
	'use strict';
	const config = window.woo3dAdmin;
	const api = window.woo3dApi;
	const box = document.querySelector( '.woo3d-box' );
	if ( ! config || ! api || ! box ) {
		return;
	}
	const productId = box.dataset.productId;
	const statusLine = box.querySelector( '.woo3d-box__status' );
	const modelBlock = box.querySelector( '.woo3d-box__model' );
	const buttons = box.querySelectorAll( '.woo3d-generate' );
	let timer = null;

	function show( state, message ) {
		statusLine.dataset.state = state;
		statusLine.textContent = message;
		const busy = state === 'queued' || state === 'running';
		buttons.forEach( function ( button ) {
			button.disabled = busy;
		} );
	}

	function showModel( model ) {
		if ( ! model || ! model.glb ) {
			return;
		}
		modelBlock.querySelector( '.woo3d-box__link' ).href = model.glb;
		const poster = modelBlock.querySelector( '.woo3d-box__poster' );
		if ( model.poster ) {
			poster.src = model.poster;
		}
		poster.hidden = ! model.poster;
		modelBlock.hidden = false;
	}

	function poll() {
		window.clearTimeout( timer );
		api.call( '/products/' + productId + '/status', { method: 'GET' } ).then( function ( body ) {
			show( body.status.state, body.status.message );
			showModel( body.model );
			if ( body.status.state === 'queued' || body.status.state === 'running' ) {
				timer = window.setTimeout( poll, config.pollMs );
			}
		} ).catch( function ( error ) {
			show( 'error', error.message );
		} );
	}

	buttons.forEach( function ( button ) {
		button.addEventListener( 'click', function () {
			const before = { state: statusLine.dataset.state, message: statusLine.textContent };
			show( 'queued', config.i18n.starting );
			api.postConfirmingPaid( '/products/' + productId + '/generate', {
				force: button.dataset.force === '1',
			} ).then( function ( body ) {
				if ( body === null ) {
					show( before.state, before.message );
				} else if ( body.queued ) {
					show( body.status.state, body.message );
					timer = window.setTimeout( poll, config.pollMs );
				} else {
					show( 'none', body.message );
				}
			} ).catch( function ( error ) {
				show( 'error', error.message );
			} );
		} );
	} );

	poll();
}() );
