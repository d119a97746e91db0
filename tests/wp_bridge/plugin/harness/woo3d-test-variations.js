/**
 * Stands in for WooCommerce's add-to-cart-variation.js in woo3d's plugin tests, keeping its event
 * contract on `.variations_form`: on a change, when every attribute is chosen and a variation matches
 * (an empty attribute value matches any), `found_variation` with that variation's data; otherwise
 * `reset_data`. "Clear" empties the selects (a change) and fires `reset_data`.
 */
jQuery( function ( $ ) {
	'use strict';
	$( '.variations_form' ).each( function () {
		const $form = $( this );
		const variations = $form.data( 'product_variations' ) || [];
		const $selects = $form.find( '.variations select' );
		const $reset = $form.find( '.reset_variations' );

		function chosen() {
			const attributes = {};
			$selects.each( function () {
				attributes[ $( this ).data( 'attribute_name' ) || this.name ] = $( this ).val() || '';
			} );
			return attributes;
		}

		function matches( variation, attributes ) {
			return Object.keys( variation.attributes ).every( function ( name ) {
				const value = variation.attributes[ name ];
				return value === '' || value === attributes[ name ];
			} );
		}

		$selects.on( 'change', function () {
			const attributes = chosen();
			const values = Object.keys( attributes ).map( function ( name ) {
				return attributes[ name ];
			} );
			$reset.css( 'visibility', values.some( Boolean ) ? 'visible' : 'hidden' );
			const found = values.every( Boolean ) ? variations.filter( function ( variation ) {
				return matches( variation, attributes );
			} ) : [];
			if ( found.length ) {
				$form.trigger( 'found_variation', [ found[ 0 ] ] );
			} else {
				$form.trigger( 'reset_data' );
			}
		} );
		$reset.on( 'click', function ( event ) {
			event.preventDefault();
			$selects.val( '' ).trigger( 'change' );
			$form.trigger( 'reset_data' );
		} );
	} );
} );
