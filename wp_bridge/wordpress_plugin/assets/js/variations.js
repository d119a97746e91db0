/**
 * woo3d on a variable product's page: when the shopper picks a variation, WooCommerce's variation form
 * fires `found_variation` with the variation's data (where the plugin put `woo3d_model`); the viewer
 * switches to that model, and back to the product's on `reset_data` ("Clear"), without a reload.
 * A viewer not opened yet only changes its attributes and poster: nothing loads until the shopper opens it.
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
		const box = viewer.closest( '.woo3d-model' );
		return {
			src: viewer.getAttribute( 'src' ),
			ios_src: viewer.getAttribute( 'ios-src' ) || '',
			poster: viewer.getAttribute( 'poster' ) || '',
			alt: viewer.getAttribute( 'alt' ) || '',
			codec: box ? box.getAttribute( 'data-woo3d-codec' ) || '' : '',
		};
	}

	/** The product page's viewer: the gallery's 3D item, the one under the gallery, or the product's. */
	function pageViewer() {
		return document.querySelector( '.woo3d-model--gallery model-viewer, .woo3d-model--product model-viewer' );
	}

	/** A viewer made next to the form when only variations have a model; it loads when first shown. */
	function viewerFor( form ) {
		const box = document.createElement( 'div' );
		box.className = 'woo3d-model woo3d-model--product woo3d-model--variation is-open';
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

	function apply( viewer, model ) {
		Object.keys( ATTRIBUTES ).forEach( function ( key ) {
			if ( model[ key ] ) {
				viewer.setAttribute( ATTRIBUTES[ key ], model[ key ] );
			} else {
				viewer.removeAttribute( ATTRIBUTES[ key ] );
			}
		} );
	}

	function show( viewer, model ) {
		const box = viewer.closest( '.woo3d-model' );
		if ( ! model || ! model.src ) {
			box.hidden = true;
			return;
		}
		box.setAttribute( 'data-woo3d-codec', model.codec || '' );
		const poster = box.querySelector( '.woo3d-model__poster' );
		if ( poster && model.poster ) {
			poster.setAttribute( 'src', model.poster );
			poster.setAttribute( 'data-large_image', model.poster );
			const item = box.closest( '.woo3d-gallery-item' );
			const thumb = item ? item.closest( '.woocommerce-product-gallery' ).querySelector( '.woo3d-thumb img' ) : null;
			if ( thumb ) {
				thumb.setAttribute( 'src', model.poster );
			}
		}
		box.hidden = false;
		if ( box.classList.contains( 'is-open' ) ) {
			viewer.hidden = false;
		}
		if ( box.classList.contains( 'is-open' ) && window.woo3d ) {
			// An open viewer may need the other decoder first (model-viewer fetches meshopt's only when told).
			window.woo3d.need( model.codec || '' ).then( function () {
				apply( viewer, model );
			} );
		} else {
			apply( viewer, model );
		}
	}

	$( function () {
		$( '.variations_form' ).each( function () {
			const form = this;
			let viewer = pageViewer();
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
