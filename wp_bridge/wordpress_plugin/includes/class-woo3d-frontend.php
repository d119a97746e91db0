<?php
/**
 * The storefront: `<model-viewer>` with the product gallery, the `[woo3d_model]` shortcode and the block.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders a product's model from its `_woo3d_model` meta, escaping every attribute.
 */
final class Woo3D_Frontend {

	const SCRIPT = 'woo3d-model-viewer';

	/**
	 * An inline script, printed before model-viewer, that points it at the bundled decoders.
	 */
	const DECODERS = 'woo3d-model-viewer-decoders';

	/**
	 * Products whose viewer this request already printed on their own page.
	 *
	 * @var array<int, bool>
	 */
	private static $shown = array();

	/**
	 * Hooks the storefront output.
	 */
	public static function register(): void {
		add_action( 'init', array( __CLASS__, 'register_assets' ) );
		add_action( 'init', array( __CLASS__, 'register_block' ) );
		add_filter( 'script_loader_tag', array( __CLASS__, 'module_script_tag' ), 10, 2 );
		add_shortcode( 'woo3d_model', array( __CLASS__, 'shortcode' ) );
		/**
		 * Filters where the viewer goes on WooCommerce's single product page.
		 *
		 * @param array $placement Hook name and priority; by default right after the product images (priority 20).
		 */
		$placement = (array) apply_filters(
			'woo3d_single_product_placement',
			array(
				'hook'     => 'woocommerce_before_single_product_summary',
				'priority' => 25,
			)
		);
		add_action( (string) $placement['hook'], array( __CLASS__, 'render_single_product' ), (int) $placement['priority'] );
		// Themes without WooCommerce's classic template hooks: put the viewer before the description.
		add_filter( 'the_content', array( __CLASS__, 'prepend_to_content' ), 5 );
	}

	/**
	 * Registers the bundled model-viewer (served from the plugin, no CDN) and the storefront CSS.
	 *
	 * Compressed GLBs need a decoder (meshopt or Draco) that model-viewer fetches from
	 * `ModelViewerElement.meshoptDecoderLocation` / `dracoDecoderLocation`, CDNs by default: the
	 * inline script before it points both at the copies bundled in assets/vendor.
	 */
	public static function register_assets(): void {
		wp_register_script( self::DECODERS, false, array(), WOO3D_VERSION, true );
		$locations = array(
			'meshoptDecoderLocation' => plugins_url( 'assets/vendor/meshopt_decoder.js', WOO3D_PLUGIN_FILE ),
			'dracoDecoderLocation'   => plugins_url( 'assets/vendor/draco/', WOO3D_PLUGIN_FILE ),
		);
		wp_add_inline_script( self::DECODERS, 'self.ModelViewerElement = Object.assign( self.ModelViewerElement || {}, ' . wp_json_encode( $locations, JSON_UNESCAPED_SLASHES ) . ' );' );
		wp_register_script( self::SCRIPT, plugins_url( 'assets/vendor/model-viewer.min.js', WOO3D_PLUGIN_FILE ), array( self::DECODERS ), WOO3D_VERSION, true );
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
				'title'           => __( 'Product 3D model', 'woo3d' ),
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
	 * model-viewer is an ES module: it must load with type="module".
	 *
	 * @param string $tag    The script tag.
	 * @param string $handle The script handle.
	 */
	public static function module_script_tag( string $tag, string $handle ): string {
		if ( self::SCRIPT !== $handle ) {
			return $tag;
		}
		$tag = preg_replace( '/\stype=([\'"])[^\'"]*\1/', '', $tag );
		return str_replace( '<script ', '<script type="module" ', (string) $tag );
	}

	/**
	 * The viewer markup for a product, or '' when it has no model. Enqueues model-viewer when used.
	 *
	 * @param int    $product_id The product.
	 * @param string $context    A class suffix: "product", "shortcode" or "block".
	 */
	public static function render( int $product_id, string $context ): string {
		$model = Woo3D_Model::for_product( $product_id );
		if ( null === $model ) {
			return '';
		}
		wp_enqueue_script( self::SCRIPT );
		wp_enqueue_style( 'woo3d-frontend' );

		$attributes = array(
			'src'              => esc_url( $model['glb'] ),
			'ios-src'          => esc_url( $model['usdz'] ),
			'poster'           => esc_url( $model['poster'] ),
			'alt'              => esc_attr( $model['alt'] ),
			'ar-modes'         => esc_attr( $model['ar_modes'] ),
			'ar-scale'         => esc_attr( $model['ar_scale'] ),
			'ar-placement'     => esc_attr( $model['ar_placement'] ),
			'camera-orbit'     => esc_attr( $model['camera_orbit'] ),
			'shadow-intensity' => esc_attr( $model['shadow_intensity'] ),
			'touch-action'     => 'pan-y',
		);
		$html = '';
		foreach ( $attributes as $name => $value ) {
			if ( '' !== $value ) {
				$html .= sprintf( ' %s="%s"', $name, $value );
			}
		}
		return sprintf(
			'<div class="woo3d-model woo3d-model--%1$s"><model-viewer class="woo3d-model__viewer"%2$s ar camera-controls></model-viewer></div>',
			esc_attr( sanitize_html_class( $context ) ),
			$html
		);
	}

	/**
	 * Prints the viewer on WooCommerce's single product page, next to the gallery.
	 */
	public static function render_single_product(): void {
		$id = (int) get_the_ID();
		if ( ! $id || isset( self::$shown[ $id ] ) || ! self::viewable( $id ) ) {
			return;
		}
		self::$shown[ $id ] = true;
		// render() escapes every attribute it prints.
		echo self::render( $id, 'product' ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped
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
