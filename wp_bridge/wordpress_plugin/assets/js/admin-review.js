/**
 * woo3d meta box, review section: Approve, Discard and Regenerate a model held for review through
 * WordPress's woo3d REST routes. Regenerate asks before a paid call (woo3dApi.postConfirmingPaid):
 * the route answers 409 `needs_confirmation` with what it costs, and only a confirmed second request
 * queues the job.
 */
( function () {
	'use strict';
	const config = window.woo3dAdmin;
	const api = window.woo3dApi;
	const strings = window.woo3dReview && window.woo3dReview.i18n;
	const box = document.querySelector( '.woo3d-box' );
	const section = box && box.querySelector( '.woo3d-review' );
	if ( ! config || ! api || ! strings || ! section ) {
		return;
	}
	const reviewPath = '/products/' + box.dataset.productId + '/review/';
	const statusLine = section.querySelector( '.woo3d-review__status' );
	const buttons = section.querySelectorAll( 'button' );

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
		api.call( reviewPath + verdict, {
			method: 'POST',
			body: JSON.stringify( { fingerprint: section.dataset.fingerprint } ),
		} ).then( function ( answer ) {
			show( 'done', answer.message );
			// The live model (or its absence) changed: the page shows it as the server has it now.
			window.location.reload();
		} ).catch( failed );
	}

	function regenerate() {
		show( 'working', strings.working );
		const shape = section.querySelector( '.woo3d-review__shape' ).value;
		api.postConfirmingPaid( reviewPath + 'regenerate', { shape: shape } ).then( function ( answer ) {
			if ( answer === null ) {
				show( 'none', '' );
			} else {
				show( 'queued', answer.message );
			}
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
		regenerate();
	} );
}() );
