/**
 * woo3d settings: the "Test connection" button. WordPress calls the backend; this page only sees the outcome.
 */
( function () {
	'use strict';
	const config = window.woo3dSettings;
	const button = document.getElementById( 'woo3d-test-connection' );
	const result = document.getElementById( 'woo3d-test-result' );
	if ( ! config || ! button || ! result ) {
		return;
	}
	button.addEventListener( 'click', async function () {
		button.disabled = true;
		result.className = 'woo3d-test-result';
		result.textContent = config.testing;
		try {
			const response = await fetch( config.url, {
				method: 'POST',
				credentials: 'same-origin',
				headers: { 'X-WP-Nonce': config.nonce },
			} );
			const body = await response.json();
			const ok = response.ok && body.ok === true;
			result.classList.add( ok ? 'is-ok' : 'is-error' );
			result.textContent = body.message || config.failed;
		} catch ( error ) {
			result.classList.add( 'is-error' );
			result.textContent = config.failed;
		} finally {
			button.disabled = false;
		}
	} );
}() );
