/**
 * woo3d's storefront loader: the only woo3d script a product page loads before the shopper asks for 3D.
 *
 * A `.woo3d-model` box holds the model's poster (a button) and a `<model-viewer>` element that stays an
 * unknown, inert element until this loader imports model-viewer: when the shopper opens the gallery's 3D
 * item (its thumbnail, swiping to it, or the poster's button), or, for a viewer outside the gallery
 * (shortcode, block, "under the gallery"), when it comes near the screen. Then model-viewer, the one
 * decoder the model needs (the box's `data-woo3d-codec`, read by the plugin from the GLB) and the model.
 *
 * `window.woo3dViewer` (printed by the plugin) names the bundled files; KTX2 and Lottie point at no
 * server, so no request leaves the store.
 */
( function () {
	'use strict';

	const config = window.woo3dViewer || {};
	let imported = null;

	/** model-viewer's class once it is defined, with the decoder `codec` needs located. */
	function need( codec ) {
		const meshopt = 'meshopt' === codec || ! codec;
		if ( ! imported ) {
			const locations = {
				dracoDecoderLocation: config.draco,
				ktx2TranscoderLocation: config.ktx2,
				lottieLoaderLocation: config.lottie,
			};
			// model-viewer fetches the meshopt decoder as soon as it knows where it is: only when needed.
			if ( meshopt ) {
				locations.meshoptDecoderLocation = config.meshopt;
			}
			self.ModelViewerElement = Object.assign( self.ModelViewerElement || {}, locations );
			imported = import( config.script ).then( function () {
				return customElements.whenDefined( 'model-viewer' );
			} );
		}
		return imported.then( function () {
			const ModelViewer = customElements.get( 'model-viewer' );
			if ( meshopt && ! ModelViewer.meshoptDecoderLocation ) {
				ModelViewer.meshoptDecoderLocation = config.meshopt;
			}
			return ModelViewer;
		} );
	}

	/** Shows a box's viewer in place of its poster and loads what it needs; `focus` for a keyboard user. */
	function open( box, focus ) {
		const viewer = box.querySelector( 'model-viewer' );
		if ( ! viewer || box.classList.contains( 'is-open' ) ) {
			return;
		}
		box.classList.add( 'is-open' );
		viewer.hidden = false;
		need( box.getAttribute( 'data-woo3d-codec' ) || '' ).then( function () {
			if ( focus ) {
				focusWhenShown( viewer, Date.now() + 30000 );
			}
		} );
	}

	/**
	 * Moves the keyboard into the viewer: model-viewer takes it (arrows turn the model) in its shadow
	 * root's input area, which it shows once the model is drawn.
	 */
	function focusWhenShown( viewer, until ) {
		const input = viewer.shadowRoot && viewer.shadowRoot.querySelector( '.userInput' );
		if ( input && 'none' !== getComputedStyle( input ).display ) {
			input.focus( { preventScroll: true } );
		} else if ( Date.now() < until ) {
			setTimeout( function () {
				focusWhenShown( viewer, until );
			}, 100 );
		}
	}

	/**
	 * Shows the item's viewer over the gallery's main image, in its box, with a button back to the photo;
	 * the item stays where it is as the thumbnail that brings the viewer back.
	 */
	function cover( box, main, focus ) {
		let over = main.querySelector( '.woo3d-model--over' );
		if ( ! over ) {
			over = document.createElement( 'div' );
			over.className = 'woo3d-model woo3d-model--over';
			over.setAttribute( 'data-woo3d-codec', box.getAttribute( 'data-woo3d-codec' ) || '' );
			const back = document.createElement( 'button' );
			back.type = 'button';
			back.className = 'woo3d-model__close';
			back.setAttribute( 'aria-label', config.back || 'Back to the photo' );
			back.textContent = '×';
			back.addEventListener( 'click', function () {
				over.hidden = true;
			} );
			over.appendChild( box.querySelector( 'model-viewer' ) );
			over.appendChild( back );
			main.classList.add( 'woo3d-covered' );
			main.appendChild( over );
		}
		over.hidden = false;
		open( over, focus );
	}

	/** The poster at the gallery's size in place of the thumbnail it starts as. */
	function sharpen( box ) {
		const poster = box.querySelector( '.woo3d-model__poster[data-woo3d-src]' );
		if ( poster ) {
			poster.setAttribute( 'src', poster.getAttribute( 'data-woo3d-src' ) );
			poster.removeAttribute( 'data-woo3d-src' );
		}
	}

	/** A drag on the model turns it: it must not also move the gallery's slider. */
	function keepDragsInside( viewer ) {
		[ 'touchstart', 'touchmove', 'pointerdown', 'mousedown' ].forEach( function ( type ) {
			viewer.addEventListener( type, function ( event ) {
				event.stopPropagation();
			}, { passive: true } );
		} );
	}

	/** The gallery item: the FlexSlider thumbnail gets the 3D badge and a keyboard stop; choosing it opens. */
	function galleryItem( item ) {
		const box = item.querySelector( '.woo3d-model' );
		const gallery = item.closest( '.woocommerce-product-gallery' );
		if ( ! box || ! gallery ) {
			return;
		}
		const slides = Array.prototype.filter.call( item.parentNode.children, function ( node ) {
			return node.classList.contains( 'woocommerce-product-gallery__image' );
		} );
		const index = slides.indexOf( item );
		const label = box.getAttribute( 'data-woo3d-label' ) || '';

		/** Showing the item (a thumbnail, a swipe) opens it; `atStart`: the page opened on it ("first"). */
		function chosen( atStart ) {
			const active = item.classList.contains( 'flex-active-slide' );
			gallery.classList.toggle( 'woo3d-gallery--3d', active );
			if ( active ) {
				sharpen( box );
				if ( true !== atStart ) {
					open( box, false );
				}
			}
		}

		function badge() {
			const thumb = gallery.querySelectorAll( '.flex-control-thumbs li' )[ index ];
			if ( ! thumb || thumb.classList.contains( 'woo3d-thumb' ) ) {
				return;
			}
			const image = thumb.querySelector( 'img' );
			thumb.classList.add( 'woo3d-thumb' );
			if ( image ) {
				// FlexSlider's thumbnails are images a keyboard cannot reach: this one can.
				image.setAttribute( 'tabindex', '0' );
				image.setAttribute( 'role', 'button' );
				image.setAttribute( 'alt', label );
				image.addEventListener( 'keydown', function ( event ) {
					if ( 'Enter' === event.key || ' ' === event.key ) {
						event.preventDefault();
						window.jQuery( gallery ).flexslider( index );
						open( box, true );
					}
				} );
			}
		}

		let ready = false;
		function setUp() {
			if ( ready ) {
				return;
			}
			ready = true;
			badge();
			window.addEventListener( 'load', badge );
			const instance = window.jQuery ? window.jQuery( gallery ).data( 'product_gallery' ) : null;
			if ( instance && instance.initZoomForTarget && ! instance.woo3dZoomless ) {
				// WooCommerce's zoom would lay the photo's large image over the viewer: not on this item.
				const zoom = instance.initZoomForTarget;
				instance.woo3dZoomless = true;
				instance.initZoomForTarget = function ( target ) {
					return window.jQuery( target ).is( item ) ? false : zoom( target );
				};
				window.jQuery( item ).trigger( 'zoom.destroy' );
			}
			if ( window.MutationObserver ) {
				new MutationObserver( function () {
					chosen( false );
				} ).observe( item, { attributes: true, attributeFilter: [ 'class' ] } );
			}
			chosen( true );
		}

		box.querySelector( '.woo3d-model__open' ).addEventListener( 'click', function ( event ) {
			event.preventDefault();
			if ( window.jQuery && gallery.querySelector( '.flex-viewport' ) ) {
				window.jQuery( gallery ).flexslider( index );
			} else if ( index > 0 ) {
				// No slider (a theme without it): the item is a thumbnail; the viewer covers the main image.
				cover( box, slides[ 0 ], 0 === event.detail );
				return;
			}
			open( box, 0 === event.detail );
		} );
		if ( window.jQuery ) {
			window.jQuery( gallery ).on( 'wc-product-gallery-after-init', setUp );
		}
		// The gallery may have been set up before this script ran (scripts in another order).
		if ( window.jQuery && window.jQuery( gallery ).data( 'product_gallery' ) ) {
			setUp();
		}
	}

	/** A viewer outside the gallery: opens when it comes near the screen (and on its poster's button). */
	function elsewhere( box ) {
		box.querySelector( '.woo3d-model__open' ).addEventListener( 'click', function ( event ) {
			event.preventDefault();
			open( box, 0 === event.detail );
		} );
		if ( ! window.IntersectionObserver ) {
			open( box, false );
			return;
		}
		const watcher = new IntersectionObserver( function ( entries ) {
			if ( entries.some( function ( entry ) {
				return entry.isIntersecting;
			} ) ) {
				watcher.disconnect();
				open( box, false );
			}
		}, { rootMargin: '200px' } );
		watcher.observe( box );
	}

	function setUpAll() {
		document.querySelectorAll( '.woo3d-model:not([data-woo3d-ready])' ).forEach( function ( box ) {
			box.setAttribute( 'data-woo3d-ready', '' );
			const viewer = box.querySelector( 'model-viewer' );
			if ( viewer ) {
				keepDragsInside( viewer );
			}
			const item = box.closest( '.woo3d-gallery-item' );
			if ( item ) {
				galleryItem( item );
			} else if ( box.querySelector( '.woo3d-model__open' ) ) {
				elsewhere( box );
			}
		} );
	}

	window.woo3d = { need: need, open: open, setUp: setUpAll };
	if ( 'loading' === document.readyState ) {
		document.addEventListener( 'DOMContentLoaded', setUpAll );
	} else {
		setUpAll();
	}
}() );
