<?php
/**
 * Variable products: each variation's model in WooCommerce's variation data, the viewer following the
 * shopper's choice, a 3D panel per variation in the editor, and the bulk action covering variations.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * A variation shows its own model when the backend made one (it has a photo of its own), else its product's.
 */
final class Woo3D_Variations {

	const POST_TYPE = 'product_variation';

	/**
	 * Hooks the storefront, the variation panels and the bulk action.
	 */
	public static function register(): void {
		add_filter( 'woocommerce_available_variation', array( __CLASS__, 'add_model_to_variation' ), 10, 3 );
		add_action( 'wp_enqueue_scripts', array( __CLASS__, 'enqueue_storefront' ) );
		add_action( 'woocommerce_product_after_variable_attributes', array( __CLASS__, 'render_variation_panel' ), 10, 3 );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue_admin' ) );
	}

	/**
	 * The published variations of a product, by id.
	 *
	 * @param int $product_id The variable product.
	 * @return int[]
	 */
	public static function variation_ids( int $product_id ): array {
		return array_map(
			'intval',
			get_posts(
				array(
					'post_type'   => self::POST_TYPE,
					'post_parent' => $product_id,
					'post_status' => array( 'publish', 'private' ),
					'fields'      => 'ids',
					'numberposts' => -1,
					'orderby'     => 'menu_order ID',
					'order'       => 'ASC',
				)
			)
		);
	}

	/**
	 * Whether a variation has a photo of its own (not none, not its product's featured image): only such
	 * a variation gets a model of its own; the others show their product's (the backend's rule too).
	 *
	 * @param int $variation_id The variation.
	 */
	public static function has_own_photo( int $variation_id ): bool {
		$photo = (int) get_post_thumbnail_id( $variation_id );
		return $photo > 0 && (int) get_post_thumbnail_id( (int) wp_get_post_parent_id( $variation_id ) ) !== $photo;
	}

	/**
	 * What the viewer shows for a variation: its own model, else its product's; null when neither has one.
	 *
	 * @param int $variation_id The variation.
	 * @param int $product_id   Its variable product.
	 * @return array{src: string, ios_src: string, poster: string, alt: string, codec: string, own: bool}|null
	 */
	public static function viewer_model( int $variation_id, int $product_id ): ?array {
		$model = Woo3D_Model::for_product( $variation_id );
		$own   = null !== $model;
		if ( ! $own ) {
			$model = Woo3D_Model::for_product( $product_id );
		}
		if ( null === $model ) {
			return null;
		}
		return array(
			'src'     => esc_url_raw( $model['glb'] ),
			'ios_src' => esc_url_raw( $model['usdz'] ),
			'poster'  => esc_url_raw( $model['poster'] ),
			'alt'     => $model['alt'],
			'codec'   => Woo3D_Glb::codec( Woo3D_Model::attachment_of( $model['glb_id'], $model['glb'] ) ),
			'own'     => $own,
		);
	}

	/**
	 * `woocommerce_available_variation`: adds `woo3d_model` to the data WooCommerce gives its variation
	 * form, which passes it with `found_variation`.
	 *
	 * Only where the product page would show the product: WooCommerce answers its `get_variation`
	 * AJAX for any product id, whatever its password or status, so the product's check is made here.
	 *
	 * @param array $data      The variation's data.
	 * @param mixed $product   The variable product (WC_Product_Variable).
	 * @param mixed $variation The variation (WC_Product_Variation).
	 */
	public static function add_model_to_variation( $data, $product = null, $variation = null ) {
		if ( ! is_array( $data ) ) {
			return $data;
		}
		$variation_id = is_object( $variation ) && method_exists( $variation, 'get_id' ) ? (int) $variation->get_id() : ( isset( $data['variation_id'] ) ? absint( $data['variation_id'] ) : 0 );
		$product_id   = is_object( $product ) && method_exists( $product, 'get_id' ) ? (int) $product->get_id() : (int) wp_get_post_parent_id( $variation_id );
		if ( $variation_id > 0 && $product_id > 0 && (int) wp_get_post_parent_id( $variation_id ) === $product_id ) {
			$data['woo3d_model'] = Woo3D_Frontend::viewable( $product_id ) ? self::viewer_model( $variation_id, $product_id ) : null;
		}
		return $data;
	}

	/**
	 * On a variable product's page, loads the script that follows the variation form (and woo3d's
	 * loader, when only variations have a model, so the script can show one).
	 */
	public static function enqueue_storefront(): void {
		if ( ! is_singular( 'product' ) || ! self::any_variation_shows_a_model( (int) get_queried_object_id() ) ) {
			return;
		}
		wp_enqueue_script( Woo3D_Frontend::SCRIPT );
		wp_enqueue_style( 'woo3d-frontend' );
		wp_enqueue_script( 'woo3d-variations', plugins_url( 'assets/js/variations.js', WOO3D_PLUGIN_FILE ), array( 'jquery', Woo3D_Frontend::SCRIPT ), WOO3D_VERSION, true );
	}

	/**
	 * Whether the product has a published variation that shows a model (its own or the product's).
	 * Every anonymous view of a product page asks, so it is one query whatever the number of variations.
	 *
	 * @param int $product_id The product.
	 */
	private static function any_variation_shows_a_model( int $product_id ): bool {
		global $wpdb;
		if ( null !== Woo3D_Model::for_product( $product_id ) ) {
			// Each variation shows at least the product's model: one variation is enough.
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching -- one indexed query per page view.
			return null !== $wpdb->get_var( $wpdb->prepare( "SELECT ID FROM {$wpdb->posts} WHERE post_parent = %d AND post_type = %s AND post_status IN ('publish', 'private') LIMIT 1", $product_id, self::POST_TYPE ) );
		}
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching -- one query instead of one per variation.
		$rows = $wpdb->get_results(
			$wpdb->prepare(
				"SELECT m.post_id, m.meta_value FROM {$wpdb->postmeta} m INNER JOIN {$wpdb->posts} p ON p.ID = m.post_id WHERE p.post_parent = %d AND p.post_type = %s AND p.post_status IN ('publish', 'private') AND m.meta_key = %s",
				$product_id,
				self::POST_TYPE,
				WOO3D_META_KEY
			)
		);
		foreach ( $rows as $row ) {
			if ( Woo3D_Model::is_live( $row->meta_value, (int) $row->post_id ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The 3D row of a variation's panel in the product editor: its model state and the two buttons.
	 *
	 * @param int     $loop           The panel's index.
	 * @param array   $variation_data The variation's data.
	 * @param WP_Post $variation      The variation.
	 */
	public static function render_variation_panel( $loop, $variation_data, $variation ): void {
		if ( ! $variation instanceof WP_Post || ! Woo3D_Rest::user_can_edit( $variation->ID ) ) {
			return;
		}
		$model  = Woo3D_Model::for_product( $variation->ID );
		$status = Woo3D_Status::from_meta( null !== $model );
		$own    = self::has_own_photo( $variation->ID );
		?>
		<div class="woo3d-variation form-row form-row-full" data-product-id="<?php echo esc_attr( (string) $variation->ID ); ?>">
			<strong><?php esc_html_e( '3D model', '3d-and-ar-models-for-woocommerce' ); ?></strong>
			<a class="woo3d-variation__link" href="<?php echo esc_url( null === $model ? '' : $model['glb'] ); ?>" target="_blank" rel="noopener"<?php echo null === $model ? ' hidden' : ''; ?>><?php esc_html_e( 'Open the 3D model (GLB)', '3d-and-ar-models-for-woocommerce' ); ?></a>
			<span class="woo3d-variation__status" role="status" aria-live="polite" data-state="<?php echo esc_attr( $status['state'] ); ?>"><?php echo esc_html( $status['message'] ); ?></span>
			<?php if ( null === $model && ! $own ) : ?>
				<span class="woo3d-variation__inherits"><?php esc_html_e( 'No photo of its own: it shows the product’s model. Give it a photo for a model of its own.', '3d-and-ar-models-for-woocommerce' ); ?></span>
			<?php endif; ?>
			<span class="woo3d-variation__actions">
				<button type="button" class="button woo3d-variation-generate" data-force="0"><?php esc_html_e( 'Generate 3D model', '3d-and-ar-models-for-woocommerce' ); ?></button>
				<button type="button" class="button woo3d-variation-generate" data-force="1"><?php esc_html_e( 'Regenerate', '3d-and-ar-models-for-woocommerce' ); ?></button>
			</span>
		</div>
		<?php
	}

	/**
	 * Loads the panels' script on product edit screens (WooCommerce adds the panels after page load).
	 *
	 * @param string $hook_suffix The admin page.
	 */
	public static function enqueue_admin( string $hook_suffix ): void {
		$screen = get_current_screen();
		if ( null === $screen || 'product' !== $screen->post_type || ! in_array( $hook_suffix, array( 'post.php', 'post-new.php' ), true ) ) {
			return;
		}
		Woo3D_Rest::register_client();
		wp_enqueue_script( 'woo3d-admin-variations', plugins_url( 'assets/js/admin-variations.js', WOO3D_PLUGIN_FILE ), array( 'jquery', Woo3D_Rest::CLIENT_SCRIPT ), WOO3D_VERSION, true );
		wp_localize_script(
			'woo3d-admin-variations',
			'woo3dVariations',
			array(
				/** This filter is documented in includes/class-woo3d-admin.php */
				'pollMs' => (int) apply_filters( 'woo3d_poll_interval_ms', 3000 ),
				'i18n'   => array(
					'starting' => __( 'Starting…', '3d-and-ar-models-for-woocommerce' ),
				),
			)
		);
	}

	/**
	 * The variations of a product that get a job of their own: those with a photo of their own (the
	 * others show the product's model, so a job for them would generate nothing).
	 *
	 * @param int $product_id A product (any type: only a variable one has variations).
	 * @return int[]
	 */
	public static function with_own_photo( int $product_id ): array {
		return array_values( array_filter( self::variation_ids( $product_id ), array( __CLASS__, 'has_own_photo' ) ) );
	}
}
