/**
 * woo3d admin screens' one client for WordPress's woo3d REST routes (the meta box, the variation
 * panels and the review section enqueue it). `call` answers the route's JSON or throws its message;
 * `postConfirmingPaid` asks the merchant before a paid call: when the backend answers 409
 * `needs_confirmation` with what it costs, only a confirmed second request goes.
 */
window.woo3dApi = ( function () {
	'use strict';
	const config = window.woo3dApiSettings;

	function call( path, options ) {
		return fetch( config.root + path, Object.assign( {
			credentials: 'same-origin',
			headers: { 'X-WP-Nonce': config.nonce, 'Content-Type': 'application/json' },
		}, options ) ).then( function ( response ) {
			return response.json().then( function ( body ) {
				if ( ! response.ok ) {
					const error = new Error( body && body.message ? body.message : config.i18n.error );
					error.data = ( body && body.data ) || {};
					throw error;
				}
				return body;
			} );
		} );
	}

	/**
	 * POSTs `body`; if that would make a paid call, asks with the cost the backend named and sends it
	 * again with `confirm_paid` on yes. Resolves to the answer, or to null when the merchant said no
	 * (nothing was queued or saved).
	 */
	function postConfirmingPaid( path, body ) {
		function send( confirmed ) {
			const sent = confirmed ? Object.assign( {}, body, { confirm_paid: true } ) : body;
			return call( path, { method: 'POST', body: JSON.stringify( sent ) } );
		}
		return send( false ).catch( function ( error ) {
			if ( ! error.data || ! error.data.needs_confirmation ) {
				throw error;
			}
			const cost = error.message.charAt( 0 ).toUpperCase() + error.message.slice( 1 );
			return window.confirm( config.i18n.confirmPaid.replace( '%s', cost ) ) ? send( true ) : null;
		} );
	}

	return { call: call, postConfirmingPaid: postConfirmingPaid };
}() );
