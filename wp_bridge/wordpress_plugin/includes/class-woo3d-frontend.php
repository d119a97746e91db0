<?php
/**
 * The storefront: `<model-viewer>` with the product gallery, the `[woo3d_model]` shortcode and the block.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders a product's model from its `_woo3d_model` meta, escaping each value where it is printed.
 */
final class Woo3D_Frontend {

	/**
	 * The small loader every page with a viewer gets; model-viewer itself loads when the shopper asks.
	 */
	const SCRIPT = 'woo3d-viewer';

	/**
	 * Where the "under the gallery" viewer goes by default: right after WooCommerce's product images.
	 */
	const PLACEMENT = array(
		'hook'     => 'woocommerce_before_single_product_summary',
		'priority' => 25,
	);

	/**
	 * Products whose viewer this request already printed on their own page.
	 *
	 * @var array<int, bool>
	 */
	private static $shown = array();

	/**
	 * Main images this request has seen per product (the 3D item goes beside the first only).
	 *
	 * @var array<int, bool>
	 */
	private static $seen_main = array();

	/**
	 * Hooks the storefront output.
	 */
	public static function register(): void {
		add_action( 'init', array( __CLASS__, 'register_assets' ) );
		add_action( 'init', array( __CLASS__, 'register_block' ) );
		add_shortcode( 'woo3d_model', array( __CLASS__, 'shortcode' ) );
		// The gallery item: WooCommerce's gallery markup, printed by classic themes and by the Product
		// Image Gallery block of block themes (which prints the same template).
		add_filter( 'woocommerce_single_product_image_thumbnail_html', array( __CLASS__, 'gallery_item' ), 20, 2 );
		add_action( 'woocommerce_product_thumbnails', array( __CLASS__, 'gallery_item_last' ), 100 );
		add_action( 'wp', array( __CLASS__, 'place_single_product' ) );
		// Themes without WooCommerce's gallery or hooks: put the viewer before the description.
		add_filter( 'the_content', array( __CLASS__, 'prepend_to_content' ), 5 );
	}

	/**
	 * `wp`: hooks the "under the gallery" viewer where `woo3d_single_product_placement` says. Not in
	 * register(), which runs while plugins load: a theme's functions.php loads after them, and the
	 * filter is there for themes. The product page's hooks fire later, while its template renders.
	 */
	public static function place_single_product(): void {
		/**
		 * Filters where the "under the gallery" viewer goes on WooCommerce's single product page.
		 *
		 * Applied on `wp`, so a theme's functions.php, or its `after_setup_theme` or `init` callbacks,
		 * can filter it. Anything but a non-empty hook name and an integer priority gives the default.
		 *
		 * @param array $placement Hook name and priority; by default right after the product images (priority 25).
		 */
		$placement = self::placement( apply_filters( 'woo3d_single_product_placement', self::PLACEMENT ) );
		add_action( $placement['hook'], array( __CLASS__, 'render_single_product' ), $placement['priority'] );
	}

	/**
	 * The filtered placement when it is a non-empty hook name and an integer priority, else the
	 * default: the value comes from a theme or another plugin, and is checked like any input.
	 *
	 * @param mixed $placement What `woo3d_single_product_placement` returned.
	 * @return array{hook: string, priority: int}
	 */
	private static function placement( $placement ): array {
		if ( ! is_array( $placement ) || ! isset( $placement['hook'], $placement['priority'] )
			|| ! is_string( $placement['hook'] ) || '' === trim( $placement['hook'] ) || ! is_int( $placement['priority'] ) ) {
			return self::PLACEMENT;
		}
		return array(
			'hook'     => $placement['hook'],
			'priority' => $placement['priority'],
		);
	}

	/**
	 * Registers the loader (with where the bundled model-viewer and decoders are; no CDN) and the CSS.
	 *
	 * By default model-viewer would fetch its decoders, KTX2 transcoder and Lottie loader from CDNs:
	 * the loader points the decoders at the copies in assets/vendor, and KTX2 and Lottie (which woo3d's
	 * models never use) at no server at all (`data:` URLs), so no request leaves the store.
	 */
	public static function register_assets(): void {
		wp_register_script( self::SCRIPT, plugins_url( 'assets/js/viewer.js', WOO3D_PLUGIN_FILE ), array(), WOO3D_VERSION, true );
		$config = array(
			'script'  => plugins_url( 'assets/vendor/model-viewer.min.js', WOO3D_PLUGIN_FILE ),
			'meshopt' => plugins_url( 'assets/vendor/meshopt_decoder.js', WOO3D_PLUGIN_FILE ),
			'draco'   => plugins_url( 'assets/vendor/draco/', WOO3D_PLUGIN_FILE ),
			'ktx2'    => 'data:,',
			'lottie'  => 'data:text/javascript,',
			'back'    => __( 'Back to the photo', '3d-and-ar-models-for-woocommerce' ),
		);
		wp_add_inline_script( self::SCRIPT, 'var woo3dViewer = ' . wp_json_encode( $config, JSON_UNESCAPED_SLASHES ) . ';', 'before' );
		wp_register_style( 'woo3d-frontend', plugins_url( 'assets/css/frontend.css', WOO3D_PLUGIN_FILE ), array(), WOO3D_VERSION );
	}

	/**
	 * Registers the "Product 3D model" block: server-rendered, with a product id setting.
	 */
	public static function register_block(): void {
		wp_register_script(
			'woo3d-block-editor',
			plugins_url( 'assets/js/block-editor.js', WOO3D_PLUGIN_FILE ),
			array( 'wp-blocks', 'wp-block-editor', 'wp-components', 'wp-element', 'wp-i18n', 'wp-server-side-render' ),
			WOO3D_VERSION,
			true
		);
		register_block_type(
			'woo3d/model',
			array(
				'api_version'     => 2,
				'title'           => __( 'Product 3D model', '3d-and-ar-models-for-woocommerce' ),
				'category'        => 'media',
				'icon'            => 'visibility',
				'editor_script'   => 'woo3d-block-editor',
				'attributes'      => array(
					'productId' => array(
						'type'    => 'integer',
						'default' => 0,
					),
				),
				'render_callback' => array( __CLASS__, 'render_block' ),
			)
		);
	}

	/**
	 * The viewer markup for a product, or '' when it has no model (see print_viewer()).
	 *
	 * @param int    $product_id The product.
	 * @param string $context    A class suffix: "gallery", "product", "shortcode" or "block".
	 * @param string $aspect     The box's aspect ratio ("800 / 600"); '' for the stylesheet's height.
	 */
	public static function render( int $product_id, string $context, string $aspect = '' ): string {
		ob_start();
		self::print_viewer( $product_id, $context, $aspect );
		return (string) ob_get_clean();
	}

	/**
	 * Prints the viewer for a product, nothing when it has no model, escaping each value where it is
	 * printed. Enqueues the loader when used.
	 *
	 * The box holds the poster (a button that opens the viewer) and a `<model-viewer>` element that
	 * stays inert until the loader imports model-viewer (assets/js/viewer.js).
	 *
	 * @param int    $product_id The product.
	 * @param string $context    A class suffix: "gallery", "product", "shortcode" or "block".
	 * @param string $aspect     The box's aspect ratio ("800 / 600"); '' for the stylesheet's height.
	 */
	private static function print_viewer( int $product_id, string $context, string $aspect ): void {
		$model = Woo3D_Model::for_product( $product_id );
		if ( null === $model ) {
			return;
		}
		wp_enqueue_script( self::SCRIPT );
		wp_enqueue_style( 'woo3d-frontend' );
		$model['poster_id'] = Woo3D_Model::attachment_of( $model['poster_id'], $model['poster'] );
		$poster             = self::poster( $model, self::image_size( 'woocommerce_single', 'large' ) );
		$label              = self::label( $product_id );
		printf(
			'<div class="woo3d-model woo3d-model--%1$s" data-woo3d-codec="%2$s" data-woo3d-label="%3$s"',
			esc_attr( sanitize_html_class( $context ) ),
			esc_attr( Woo3D_Glb::codec( Woo3D_Model::attachment_of( $model['glb_id'], $model['glb'] ) ) ),
			esc_attr( $label )
		);
		if ( '' !== $aspect ) {
			printf( ' style="aspect-ratio: %s"', esc_attr( $aspect ) );
		}
		printf( '><button type="button" class="woo3d-model__open" aria-label="%s">', esc_attr( $label ) );
		if ( '' !== $poster['src'] ) {
			self::print_poster( $model, $context, $poster );
		}
		echo '<span class="woo3d-model__badge" aria-hidden="true">3D</span></button><model-viewer class="woo3d-model__viewer"';
		// The model's URLs, then its settings; an empty one is left to model-viewer's default.
		$urls = array(
			'src'     => $model['glb'],
			'ios-src' => $model['usdz'],
			'poster'  => $poster['src'],
		);
		foreach ( $urls as $name => $url ) {
			if ( '' !== $url ) {
				printf( ' %s="%s"', esc_attr( $name ), esc_url( $url ) );
			}
		}
		$settings = array(
			'alt'              => $model['alt'],
			'ar-modes'         => $model['ar_modes'],
			'ar-scale'         => $model['ar_scale'],
			'ar-placement'     => $model['ar_placement'],
			'camera-orbit'     => $model['camera_orbit'],
			'shadow-intensity' => $model['shadow_intensity'],
			'touch-action'     => 'pan-y',
		);
		foreach ( $settings as $name => $value ) {
			if ( '' !== $value ) {
				printf( ' %s="%s"', esc_attr( $name ), esc_attr( $value ) );
			}
		}
		printf(
			' ar camera-controls hidden><button type="button" slot="ar-button" class="woo3d-model__ar">%s</button></model-viewer></div>',
			esc_html__( 'View in your space', '3d-and-ar-models-for-woocommerce' )
		);
	}

	/**
	 * Prints the poster the box's button shows, with the full size for WooCommerce's lightbox.
	 *
	 * @param array  $model   The model (Woo3D_Model::for_product, its poster_id checked).
	 * @param string $context The box's context (print_viewer()).
	 * @param array  $poster  The poster at the column's size (poster()).
	 */
	private static function print_poster( array $model, string $context, array $poster ): void {
		$full = self::poster( $model, 'full' );
		// In the gallery the image starts as the thumbnail FlexSlider already shows (no extra bytes);
		// the loader swaps in the larger one when the item is shown (assets/js/viewer.js).
		$first = 'gallery' === $context ? self::poster( $model, self::image_size( 'woocommerce_gallery_thumbnail', 'thumbnail' ) ) : $poster;
		printf(
			// phpcs:ignore PluginCheck.CodeAnalysis.ImageFunctions.NonEnqueuedImage -- the gallery's thumbnail swaps to the large poster on opening (data-woo3d-src, data-large_image for WooCommerce's lightbox), which wp_get_attachment_image() cannot express, and the poster may be a URL outside the media library; its sized copies come from wp_get_attachment_image_src().
			'<img class="woo3d-model__poster" src="%1$s"%2$s alt="" decoding="async" data-large_image="%3$s" data-large_image_width="%4$d" data-large_image_height="%5$d" />',
			esc_url( $first['src'] ),
			$first['src'] !== $poster['src'] ? sprintf( ' data-woo3d-src="%s"', esc_url( $poster['src'] ) ) : '',
			esc_url( $full['src'] ),
			absint( $full['width'] ? $full['width'] : 1024 ),
			absint( $full['height'] ? $full['height'] : 1024 )
		);
	}

	/**
	 * The 3D item's accessible name.
	 *
	 * @param int $product_id The product.
	 */
	private static function label( int $product_id ): string {
		/* translators: %s: the product name. */
		return sprintf( __( 'View %s in 3D', '3d-and-ar-models-for-woocommerce' ), wp_strip_all_tags( get_the_title( $product_id ) ) );
	}

	/**
	 * The poster at an image size: a smaller copy WordPress made when the poster is in the media
	 * library (a generated poster is a large PNG; the gallery needs a thumbnail and the column's
	 * width), else the file itself. `width` and `height` are 0 when unknown.
	 *
	 * @param array        $model The model (Woo3D_Model::for_product).
	 * @param string|int[] $size  An image size name or [width, height].
	 * @return array{src: string, width: int, height: int}
	 */
	private static function poster( array $model, $size ): array {
		$found = $model['poster_id'] ? wp_get_attachment_image_src( $model['poster_id'], $size ) : false;
		if ( ! is_array( $found ) || '' === (string) $found[0] ) {
			return array(
				'src'    => $model['poster'],
				'width'  => 0,
				'height' => 0,
			);
		}
		return array(
			'src'    => (string) $found[0],
			'width'  => (int) $found[1],
			'height' => (int) $found[2],
		);
	}

	/**
	 * An image size WooCommerce defines, or WordPress's `$fallback` without WooCommerce.
	 *
	 * @param string $name     WooCommerce's size name.
	 * @param string $fallback WordPress's.
	 */
	private static function image_size( string $name, string $fallback ) {
		if ( ! function_exists( 'wc_get_image_size' ) ) {
			return $fallback;
		}
		if ( 'woocommerce_gallery_thumbnail' === $name ) {
			$size = wc_get_image_size( 'gallery_thumbnail' );
			// The size WooCommerce's own gallery thumbnails use.
			return apply_filters( 'woocommerce_gallery_thumbnail_size', array( $size['width'], $size['height'] ) );
		}
		return $name;
	}

	/**
	 * `woocommerce_single_product_image_thumbnail_html`: adds the 3D item beside the main photo (before
	 * it for "first", after it for "second"). The first call for a product is its main image (or the
	 * placeholder): WooCommerce's product-image.php prints that one before the gallery's photos.
	 *
	 * @param string $html          WooCommerce's markup for the image.
	 * @param mixed  $attachment_id The image.
	 */
	public static function gallery_item( $html, $attachment_id = 0 ) {
		unset( $attachment_id );
		$id = self::gallery_product();
		if ( ! $id || isset( self::$shown[ $id ] ) || isset( self::$seen_main[ $id ] ) ) {
			return $html;
		}
		self::$seen_main[ $id ] = true;
		$position               = Woo3D_Settings::get()['gallery_position'];
		if ( 'first' !== $position && 'second' !== $position ) {
			return $html;
		}
		$item = self::gallery_item_html( $id );
		if ( '' === $item ) {
			return $html;
		}
		return 'first' === $position ? $item . $html : $html . $item;
	}

	/**
	 * `woocommerce_product_thumbnails` (after the gallery's photos): the 3D item for "last".
	 */
	public static function gallery_item_last(): void {
		$id = self::gallery_product();
		if ( ! $id || isset( self::$shown[ $id ] ) || 'last' !== Woo3D_Settings::get()['gallery_position'] ) {
			return;
		}
		self::print_gallery_item( $id );
	}

	/**
	 * The product whose gallery WooCommerce is printing, when it is the page's own product; else 0.
	 */
	private static function gallery_product(): int {
		global $product;
		$id = is_object( $product ) && is_callable( array( $product, 'get_id' ) ) ? (int) $product->get_id() : 0;
		if ( ! $id || ! is_singular( 'product' ) || get_queried_object_id() !== $id ) {
			return 0;
		}
		return $id;
	}

	/**
	 * The gallery item's markup (see print_gallery_item()), for WooCommerce's image filter.
	 *
	 * @param int $id The product.
	 */
	private static function gallery_item_html( int $id ): string {
		ob_start();
		self::print_gallery_item( $id );
		return (string) ob_get_clean();
	}

	/**
	 * Prints the gallery item: WooCommerce's slide markup (its `data-thumb` the poster, for FlexSlider's
	 * thumbnails) around the box, whose aspect is the main image's, so the slider keeps its height.
	 *
	 * @param int $id The product.
	 */
	private static function print_gallery_item( int $id ): void {
		if ( ! self::viewable( $id ) ) {
			return;
		}
		$model = Woo3D_Model::for_product( $id );
		if ( null === $model ) {
			return;
		}
		$aspect = '1 / 1';
		$image  = (int) get_post_thumbnail_id( $id );
		$single = $image ? wp_get_attachment_image_src( $image, 'woocommerce_single' ) : false;
		if ( is_array( $single ) && (int) $single[1] > 0 && (int) $single[2] > 0 ) {
			$aspect = (int) $single[1] . ' / ' . (int) $single[2];
		}
		self::$shown[ $id ] = true;
		$model['poster_id'] = Woo3D_Model::attachment_of( $model['poster_id'], $model['poster'] );
		$thumb              = self::poster( $model, self::image_size( 'woocommerce_gallery_thumbnail', 'thumbnail' ) );
		printf(
			'<div class="woocommerce-product-gallery__image woo3d-gallery-item" data-thumb="%1$s" data-thumb-alt="%2$s" data-thumb-srcset="" data-thumb-sizes="">',
			esc_url( $thumb['src'] ),
			esc_attr( self::label( $id ) )
		);
		self::print_viewer( $id, 'gallery', $aspect );
		echo '</div>';
	}

	/**
	 * Prints the viewer under WooCommerce's product gallery when the merchant chose that (`after`).
	 */
	public static function render_single_product(): void {
		$id = (int) get_the_ID();
		if ( ! $id || isset( self::$shown[ $id ] ) || 'after' !== Woo3D_Settings::get()['gallery_position'] || ! self::viewable( $id ) ) {
			return;
		}
		self::$shown[ $id ] = true;
		self::print_viewer( $id, 'product', '' );
	}

	/**
	 * Fallback placement: at the top of the product's content on its own page, when the
	 * WooCommerce hook did not print it (block themes, themes without WooCommerce templates).
	 *
	 * @param string $content The post content.
	 */
	public static function prepend_to_content( $content ) {
		if ( is_admin() || ! is_singular( 'product' ) || doing_filter( 'get_the_excerpt' ) ) {
			return $content;
		}
		$id = (int) get_the_ID();
		if ( ! $id || get_queried_object_id() !== $id || isset( self::$shown[ $id ] ) || ! self::viewable( $id ) ) {
			return $content;
		}
		$viewer = self::render( $id, 'product' );
		if ( '' === $viewer ) {
			return $content;
		}
		self::$shown[ $id ] = true;
		return $viewer . $content;
	}

	/**
	 * `[woo3d_model id="123"]`: a product's viewer anywhere; without id, the current product's.
	 *
	 * @param array|string $atts Shortcode attributes.
	 */
	public static function shortcode( $atts ): string {
		$atts = shortcode_atts( array( 'id' => 0 ), $atts, 'woo3d_model' );
		$id   = absint( $atts['id'] ) ? absint( $atts['id'] ) : (int) get_the_ID();
		return self::viewable( $id ) ? self::render( $id, 'shortcode' ) : '';
	}

	/**
	 * The block's output.
	 *
	 * @param array $attributes Block attributes.
	 */
	public static function render_block( array $attributes ): string {
		$id = ! empty( $attributes['productId'] ) ? absint( $attributes['productId'] ) : (int) get_the_ID();
		return self::viewable( $id ) ? self::render( $id, 'block' ) : '';
	}

	/**
	 * Whether this visitor may see the product's model: where its product page would show the
	 * product itself. That is a published product (or one the user may read, such as a private
	 * product for staff) whose password, if it has one, this visitor has entered; the page's
	 * password form hides the product until then, so the model stays hidden too. Catalog
	 * visibility ("hidden") does not matter: WooCommerce still shows such a product on its page.
	 *
	 * The variation form (Woo3D_Variations) asks the same of a variation's product.
	 *
	 * @param int $id The product id.
	 */
	public static function viewable( int $id ): bool {
		if ( $id <= 0 || 'product' !== get_post_type( $id ) || post_password_required( $id ) ) {
			return false;
		}
		return 'publish' === get_post_status( $id ) || current_user_can( 'read_post', $id );
	}
}
