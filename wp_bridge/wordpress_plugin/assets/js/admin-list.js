/**
 * woo3d products list: replaces each "3D" cell's saved state with the backend's live one, and keeps
 * polling while any job is queued or running.
 */
( function () {
	'use strict';
	const config = window.woo3dAdmin;
	const cells = Array.prototype.slice.call( document.querySelectorAll( '.woo3d-column' ) );
	if ( ! config || cells.length === 0 ) {
		return;
	}
	const labels = {
		none: config.i18n.none,
		queued: config.i18n.queued,
		running: config.i18n.running,
		done: config.i18n.ready,
		failed: config.i18n.failed,
	};

	function refresh() {
		const query = cells.map( function ( cell ) {
			return 'ids[]=' + encodeURIComponent( cell.dataset.productId );
		} ).join( '&' );
		const separator = config.root.indexOf( '?' ) === -1 ? '?' : '&';
		fetch( config.root + '/statuses' + separator + query, {
			credentials: 'same-origin',
			headers: { 'X-WP-Nonce': config.nonce },
		} ).then( function ( response ) {
			return response.ok ? response.json() : null;
		} ).then( function ( body ) {
			if ( ! body ) {
				return;
			}
			let busy = false;
			cells.forEach( function ( cell ) {
				const status = body.statuses[ cell.dataset.productId ];
				if ( ! status ) {
					return;
				}
				// A held model (the page's meta, or the job that just ended) waits for the merchant's
				// review unless a new job is on its way.
				const held = status.held || cell.dataset.held === '1';
				const settled = status.state === 'done' || status.state === 'none';
				cell.dataset.state = status.state;
				cell.dataset.review = held && settled ? '1' : '0';
				cell.title = status.message;
				cell.textContent = held && settled ? config.i18n.review : ( labels[ status.state ] || status.state );
				busy = busy || status.state === 'queued' || status.state === 'running';
			} );
			if ( busy ) {
				window.setTimeout( refresh, config.pollMs );
			}
		} );
	}

	refresh();
}() );
