/**
 * woo3d on a variable product's page: when the shopper picks a variation, WooCommerce's variation form
 * fires `found_variation` with the variation's data (where the plugin put `woo3d_model`); the viewer
 * switches to that model, and back to the product's on `reset_data` ("Clear"), without a reload.
 */
( function ( $ ) {
	'use strict';
	if ( ! $ ) {
		return;
	}

	const ATTRIBUTES = { src: 'src', ios_src: 'ios-src', poster: 'poster', alt: 'alt' };

	function modelOf( viewer ) {
		if ( ! viewer || ! viewer.getAttribute( 'src' ) ) {
			return null;
		}
		return {
			src: viewer.getAttribute( 'src' ),
			ios_src: viewer.getAttribute( 'ios-src' ) || '',
			poster: viewer.getAttribute( 'poster' ) || '',
			alt: viewer.getAttribute( 'alt' ) || '',
		};
	}

	/** The product page's viewer, made next to the form when only variations have a model. */
	function viewerFor( form ) {
		const found = document.querySelector( '.woo3d-model--product model-viewer' );
		if ( found ) {
			return found;
		}
		const box = document.createElement( 'div' );
		box.className = 'woo3d-model woo3d-model--product woo3d-model--variation';
		box.hidden = true;
		const viewer = document.createElement( 'model-viewer' );
		viewer.className = 'woo3d-model__viewer';
		[ 'ar', 'camera-controls' ].forEach( function ( name ) {
			viewer.setAttribute( name, '' );
		} );
		viewer.setAttribute( 'touch-action', 'pan-y' );
		box.appendChild( viewer );
		form.parentNode.insertBefore( box, form );
		return viewer;
	}

	function show( viewer, model ) {
		const box = viewer.closest( '.woo3d-model' );
		if ( ! model || ! model.src ) {
			box.hidden = true;
			return;
		}
		Object.keys( ATTRIBUTES ).forEach( function ( key ) {
			if ( model[ key ] ) {
				viewer.setAttribute( ATTRIBUTES[ key ], model[ key ] );
			} else {
				viewer.removeAttribute( ATTRIBUTES[ key ] );
			}
		} );
		box.hidden = false;
	}

	$( function () {
		$( '.variations_form' ).each( function () {
			const form = this;
			let viewer = document.querySelector( '.woo3d-model--product model-viewer' );
			const productModel = modelOf( viewer );
			$( form ).on( 'found_variation', function ( event, variation ) {
				const model = variation && variation.woo3d_model ? variation.woo3d_model : productModel;
				if ( ! viewer && ! model ) {
					return;
				}
				viewer = viewer || viewerFor( form );
				show( viewer, model );
			} );
			$( form ).on( 'reset_data', function () {
				if ( viewer ) {
					show( viewer, productModel );
				}
			} );
		} );
	} );
}( window.jQuery ) );
