/**
 * woo3d meta box, review section: Approve, Discard and Regenerate a model held for review through
 * WordPress's woo3d REST routes. Regenerate asks before a paid call: the route answers 409
 * `needs_confirmation` with what it costs, and only a confirmed second request queues the job.
 */
( function () {
	'use strict';
	const config = window.woo3dAdmin;
	const strings = window.woo3dReview && window.woo3dReview.i18n;
	const box = document.querySelector( '.woo3d-box' );
	const section = box && box.querySelector( '.woo3d-review' );
	if ( ! config || ! strings || ! section ) {
		return;
	}
	const productId = box.dataset.productId;
	const statusLine = section.querySelector( '.woo3d-review__status' );
	const buttons = section.querySelectorAll( 'button' );

	function post( path, body ) {
		return fetch( config.root + '/products/' + productId + '/review/' + path, {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'X-WP-Nonce': config.nonce, 'Content-Type': 'application/json' },
			body: JSON.stringify( body ),
		} ).then( function ( response ) {
			return response.json().then( function ( answer ) {
				return { ok: response.ok, answer: answer || {} };
			} );
		} );
	}

	function show( state, message ) {
		statusLine.dataset.state = state;
		statusLine.textContent = message;
		buttons.forEach( function ( button ) {
			button.disabled = state === 'working';
		} );
	}

	function failed( error ) {
		show( 'error', error && error.message ? error.message : config.i18n.error );
	}

	function settle( verdict ) {
		show( 'working', strings.working );
		post( verdict, { fingerprint: section.dataset.fingerprint } ).then( function ( result ) {
			if ( ! result.ok ) {
				throw new Error( result.answer.message );
			}
			show( 'done', result.answer.message );
			// The live model (or its absence) changed: the page shows it as the server has it now.
			window.location.reload();
		} ).catch( failed );
	}

	function regenerate( confirmPaid ) {
		show( 'working', strings.working );
		const shape = section.querySelector( '.woo3d-review__shape' ).value;
		post( 'regenerate', { shape: shape, confirm_paid: confirmPaid } ).then( function ( result ) {
			const data = result.answer.data || {};
			if ( ! result.ok && data.needs_confirmation && ! confirmPaid ) {
				const cost = result.answer.message.charAt( 0 ).toUpperCase() + result.answer.message.slice( 1 );
				if ( window.confirm( strings.confirmPaid.replace( '%s', cost ) ) ) {
					regenerate( true );
				} else {
					show( 'none', '' );
				}
				return;
			}
			if ( ! result.ok ) {
				throw new Error( result.answer.message );
			}
			show( 'queued', result.answer.message );
		} ).catch( failed );
	}

	section.querySelector( '.woo3d-review__approve' ).addEventListener( 'click', function () {
		settle( 'approve' );
	} );
	section.querySelector( '.woo3d-review__discard' ).addEventListener( 'click', function () {
		if ( window.confirm( strings.confirmDiscard ) ) {
			settle( 'discard' );
		}
	} );
	section.querySelector( '.woo3d-review__regenerate-button' ).addEventListener( 'click', function () {
		regenerate( false );
	} );
}() );
