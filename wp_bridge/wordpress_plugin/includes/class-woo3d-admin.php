<?php
/**
 * Product screens: the "3D model" meta box, the products list column and the bulk action.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Admin UI on the product edit screen and the products list.
 */
final class Woo3D_Admin {

	const BULK_ACTION = 'woo3d_generate';

	/**
	 * The query arg that carries a bulk run's result key (the result itself stays on the server).
	 */
	const RESULT_ARG = 'woo3d_bulk';

	/**
	 * The merchant's shape choice: its meta key, the form field and nonce that save it, and the
	 * choices (the backend's pipeline.product.SHAPE_CHOICES; "auto" is stored as no meta at all).
	 */
	const SHAPE_META_KEY = '_woo3d_shape';
	const SHAPE_FIELD    = 'woo3d_shape';
	const SHAPE_NONCE    = 'woo3d_shape_nonce';
	const SHAPES         = array( 'auto', 'round', 'box', 'flat', 'garment', 'free-form' );

	/**
	 * Hooks the admin UI.
	 */
	public static function register(): void {
		add_action( 'add_meta_boxes_product', array( __CLASS__, 'add_meta_box' ) );
		add_action( 'save_post_product', array( __CLASS__, 'save_shape' ), 10, 2 );
		add_filter( 'manage_edit-product_columns', array( __CLASS__, 'add_column' ), 20 );
		add_action( 'manage_product_posts_custom_column', array( __CLASS__, 'render_column' ), 10, 2 );
		add_filter( 'bulk_actions-edit-product', array( __CLASS__, 'add_bulk_action' ) );
		add_filter( 'handle_bulk_actions-edit-product', array( __CLASS__, 'handle_bulk_action' ), 10, 3 );
		add_action( 'admin_notices', array( __CLASS__, 'bulk_notice' ) );
		add_filter( 'removable_query_args', array( __CLASS__, 'removable_query_args' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue_assets' ) );
	}

	/**
	 * Adds the meta box to the product edit screen.
	 */
	public static function add_meta_box(): void {
		add_meta_box( 'woo3d-model', __( '3D model', '3d-and-ar-models-for-woocommerce' ), array( __CLASS__, 'render_meta_box' ), 'product', 'side' );
	}

	/**
	 * The meta box: the model (poster linking to the GLB), the live status and the two buttons.
	 *
	 * @param WP_Post $post The product.
	 */
	public static function render_meta_box( WP_Post $post ): void {
		$model  = Woo3D_Model::for_product( $post->ID );
		$status = Woo3D_Status::from_meta( null !== $model );
		?>
		<div class="woo3d-box" data-product-id="<?php echo esc_attr( (string) $post->ID ); ?>">
			<div class="woo3d-box__model"<?php echo null === $model ? ' hidden' : ''; ?>>
				<a class="woo3d-box__link" href="<?php echo esc_url( null === $model ? '' : $model['glb'] ); ?>" target="_blank" rel="noopener">
					<?php
					$poster = null === $model ? 0 : Woo3D_Model::image_id( $model['poster'] );
					if ( $poster ) {
						$attr = array(
							'class' => 'woo3d-box__poster',
							'alt'   => __( '3D model poster', '3d-and-ar-models-for-woocommerce' ),
						);
						echo wp_get_attachment_image( $poster, 'full', false, $attr );
					} else {
						// No poster yet: admin-product.js gives this one its source when a model arrives.
						echo '<img class="woo3d-box__poster" hidden alt="' . esc_attr__( '3D model poster', '3d-and-ar-models-for-woocommerce' ) . '" />';
					}
					?>
					<span><?php esc_html_e( 'Open the 3D model (GLB)', '3d-and-ar-models-for-woocommerce' ); ?></span>
				</a>
			</div>
			<p class="woo3d-box__status" role="status" aria-live="polite" data-state="<?php echo esc_attr( $status['state'] ); ?>"><?php echo esc_html( $status['message'] ); ?></p>
			<p class="woo3d-box__shape">
				<label for="woo3d-shape"><?php esc_html_e( 'Shape', '3d-and-ar-models-for-woocommerce' ); ?></label>
				<select id="woo3d-shape" name="<?php echo esc_attr( self::SHAPE_FIELD ); ?>">
					<?php foreach ( self::shape_labels() as $shape => $label ) : ?>
						<option value="<?php echo esc_attr( $shape ); ?>"<?php selected( self::shape_of( $post->ID ), $shape ); ?>><?php echo esc_html( $label ); ?></option>
					<?php endforeach; ?>
				</select>
				<?php wp_nonce_field( 'woo3d_shape_' . $post->ID, self::SHAPE_NONCE ); ?>
				<span class="description"><?php esc_html_e( 'How the keyless generator builds the model; saved with the product, the model is rebuilt when it changes.', '3d-and-ar-models-for-woocommerce' ); ?></span>
			</p>
			<?php Woo3D_Review::render_section( $post ); ?>
			<p class="woo3d-box__actions">
				<button type="button" class="button button-primary woo3d-generate" data-force="0"><?php esc_html_e( 'Generate 3D model', '3d-and-ar-models-for-woocommerce' ); ?></button>
				<button type="button" class="button woo3d-generate" data-force="1" title="<?php esc_attr_e( 'Build the model again, even if nothing changed', '3d-and-ar-models-for-woocommerce' ); ?>"><?php esc_html_e( 'Regenerate', '3d-and-ar-models-for-woocommerce' ); ?></button>
			</p>
		</div>
		<?php
	}

	/**
	 * The shape choices with their labels, in the order the select shows them.
	 *
	 * @return array<string, string>
	 */
	public static function shape_labels(): array {
		return array(
			'auto'      => __( 'Auto (decide from the photo and text)', '3d-and-ar-models-for-woocommerce' ),
			'round'     => __( 'Round (mug, bottle, vase)', '3d-and-ar-models-for-woocommerce' ),
			'box'       => __( 'Box (box, book, device)', '3d-and-ar-models-for-woocommerce' ),
			'flat'      => __( 'Flat (print, card, rug)', '3d-and-ar-models-for-woocommerce' ),
			'garment'   => __( 'Garment (shirt, hoodie, tote)', '3d-and-ar-models-for-woocommerce' ),
			'free-form' => __( 'Free-form', '3d-and-ar-models-for-woocommerce' ),
		);
	}

	/**
	 * The product's saved shape choice ("auto" when none or not a known choice).
	 *
	 * @param int $post_id The product.
	 */
	public static function shape_of( int $post_id ): string {
		$shape = get_post_meta( $post_id, self::SHAPE_META_KEY, true );
		return in_array( $shape, self::SHAPES, true ) ? $shape : 'auto';
	}

	/**
	 * Saves the meta box's shape choice with the product: only with the box's nonce, only for a user
	 * who may edit this product, and only a known choice ("auto" deletes the meta).
	 *
	 * @param int     $post_id The product.
	 * @param WP_Post $post    The product's post.
	 */
	public static function save_shape( int $post_id, WP_Post $post ): void {
		if ( ! isset( $_POST[ self::SHAPE_NONCE ], $_POST[ self::SHAPE_FIELD ] ) ) {
			return;
		}
		if ( ! wp_verify_nonce( sanitize_key( wp_unslash( $_POST[ self::SHAPE_NONCE ] ) ), 'woo3d_shape_' . $post_id ) ) {
			return;
		}
		if ( wp_is_post_autosave( $post_id ) || wp_is_post_revision( $post_id ) || 'product' !== $post->post_type ) {
			return;
		}
		if ( ! current_user_can( 'edit_post', $post_id ) ) {
			return;
		}
		$shape = sanitize_key( wp_unslash( $_POST[ self::SHAPE_FIELD ] ) );
		if ( ! in_array( $shape, self::SHAPES, true ) ) {
			return;
		}
		if ( 'auto' === $shape ) {
			delete_post_meta( $post_id, self::SHAPE_META_KEY );
		} else {
			update_post_meta( $post_id, self::SHAPE_META_KEY, $shape );
		}
	}

	/**
	 * Adds the "3D" column after the product name.
	 *
	 * @param array $columns Column slugs to titles.
	 */
	public static function add_column( array $columns ): array {
		$added = array();
		foreach ( $columns as $key => $title ) {
			$added[ $key ] = $title;
			if ( 'name' === $key || 'title' === $key ) {
				$added['woo3d'] = __( '3D', '3d-and-ar-models-for-woocommerce' );
			}
		}
		if ( ! isset( $added['woo3d'] ) ) {
			$added['woo3d'] = __( '3D', '3d-and-ar-models-for-woocommerce' );
		}
		return $added;
	}

	/**
	 * The column cell: what the meta says now; the list script then asks the backend for live states.
	 *
	 * @param string $column  The column slug.
	 * @param int    $post_id The product.
	 */
	public static function render_column( string $column, int $post_id ): void {
		if ( 'woo3d' !== $column ) {
			return;
		}
		$status = Woo3D_Status::from_meta( null !== Woo3D_Model::for_product( $post_id ) );
		// A model held for review is the merchant's next step, whatever the live one's state.
		$held = null !== Woo3D_Model::held_for_product( $post_id );
		if ( $held ) {
			$label = __( 'Needs review', '3d-and-ar-models-for-woocommerce' );
		} else {
			$label = 'done' === $status['state'] ? __( 'Ready', '3d-and-ar-models-for-woocommerce' ) : __( 'None', '3d-and-ar-models-for-woocommerce' );
		}
		printf(
			'<span class="woo3d-column" data-product-id="%1$s" data-state="%2$s" data-held="%3$s" data-review="%3$s" title="%4$s">%5$s</span>',
			esc_attr( (string) $post_id ),
			esc_attr( $status['state'] ),
			$held ? '1' : '0',
			esc_attr( $status['message'] ),
			esc_html( $label )
		);
	}

	/**
	 * Adds "Generate 3D models" to the bulk actions.
	 *
	 * @param array $actions Action slugs to labels.
	 */
	public static function add_bulk_action( array $actions ): array {
		$type = get_post_type_object( 'product' );
		if ( null !== $type && current_user_can( $type->cap->edit_posts ) ) {
			$actions[ self::BULK_ACTION ] = __( 'Generate 3D models', '3d-and-ar-models-for-woocommerce' );
		}
		return $actions;
	}

	/**
	 * Starts a job per selected product (edit.php has checked the bulk-posts nonce already).
	 *
	 * @param string $redirect Where to go afterwards.
	 * @param string $action   The chosen bulk action.
	 * @param array  $post_ids The selected products.
	 */
	public static function handle_bulk_action( string $redirect, string $action, array $post_ids ): string {
		if ( self::BULK_ACTION !== $action ) {
			return $redirect;
		}
		$backend = Woo3D_Backend::from_settings();
		$queued  = 0;
		$failed  = 0;
		$error   = '';
		foreach ( array_map( 'intval', $post_ids ) as $id ) {
			if ( 'product' !== get_post_type( $id ) || ! current_user_can( 'edit_post', $id ) ) {
				++$failed;
				continue;
			}
			// A variable product's variations with a photo of their own get their own model too.
			foreach ( array_merge( array( $id ), Woo3D_Variations::with_own_photo( $id ) ) as $target ) {
				$answer = $backend->generate( $target, false );
				if ( is_wp_error( $answer ) ) {
					++$failed;
					$error = $answer->get_error_message();
				} else {
					++$queued;
				}
			}
		}
		return Woo3D_Bulk_Result::stash(
			$redirect,
			self::RESULT_ARG,
			array(
				'queued' => $queued,
				'failed' => $failed,
				'error'  => $error,
			)
		);
	}

	/**
	 * The bulk action's result, on the page it redirected to: once, and only for the user who ran it.
	 */
	public static function bulk_notice(): void {
		$result = Woo3D_Bulk_Result::take( self::RESULT_ARG );
		if ( null === $result ) {
			return;
		}
		$queued = (int) $result['queued'];
		$failed = (int) $result['failed'];
		if ( $queued > 0 ) {
			// The bulk action never forces (handle_bulk_action): say so, so no one fears paying twice.
			printf(
				'<div class="notice notice-success is-dismissible woo3d-notice"><p>%s %s</p></div>',
				/* translators: %d: number of products. */
				esc_html( sprintf( _n( '3D model generation started for %d product.', '3D model generation started for %d products.', $queued, '3d-and-ar-models-for-woocommerce' ), $queued ) ),
				esc_html__( 'A product whose 3D model already matches its photos and text keeps it: nothing is regenerated or charged again.', '3d-and-ar-models-for-woocommerce' )
			);
		}
		if ( $failed > 0 ) {
			printf(
				'<div class="notice notice-error is-dismissible woo3d-notice"><p>%s %s</p></div>',
				/* translators: %d: number of products. */
				esc_html( sprintf( _n( '3D model generation could not start for %d product.', '3D model generation could not start for %d products.', $failed, '3d-and-ar-models-for-woocommerce' ), $failed ) ),
				esc_html( (string) $result['error'] )
			);
		}
	}

	/**
	 * Lets WordPress drop the result key from the address bar once shown.
	 *
	 * @param array $args Query args WordPress removes.
	 */
	public static function removable_query_args( array $args ): array {
		return array_merge( $args, array( self::RESULT_ARG ) );
	}

	/**
	 * Loads the meta box script on product edit screens and the column script on the products list.
	 *
	 * @param string $hook_suffix The admin page.
	 */
	public static function enqueue_assets( string $hook_suffix ): void {
		$screen = get_current_screen();
		if ( null === $screen || 'product' !== $screen->post_type ) {
			return;
		}
		if ( 'post.php' === $hook_suffix || 'post-new.php' === $hook_suffix ) {
			$script = 'product';
		} elseif ( 'edit.php' === $hook_suffix ) {
			$script = 'list';
		} else {
			return;
		}
		wp_enqueue_style( 'woo3d-admin', plugins_url( 'assets/css/admin.css', WOO3D_PLUGIN_FILE ), array(), WOO3D_VERSION );
		Woo3D_Rest::register_client();
		$needs = 'product' === $script ? array( Woo3D_Rest::CLIENT_SCRIPT ) : array();
		wp_enqueue_script( 'woo3d-admin-' . $script, plugins_url( 'assets/js/admin-' . $script . '.js', WOO3D_PLUGIN_FILE ), $needs, WOO3D_VERSION, true );
		wp_localize_script(
			'woo3d-admin-' . $script,
			'woo3dAdmin',
			array(
				'root'   => esc_url_raw( rest_url( Woo3D_Rest::NAMESPACE ) ),
				'nonce'  => wp_create_nonce( 'wp_rest' ),
				/**
				 * Filters how often the admin screens poll a running job's status, in milliseconds.
				 *
				 * @param int $interval Defaults to 3000.
				 */
				'pollMs' => (int) apply_filters( 'woo3d_poll_interval_ms', 3000 ),
				'i18n'   => array(
					'starting' => __( 'Starting…', '3d-and-ar-models-for-woocommerce' ),
					'error'    => __( 'Could not reach WordPress.', '3d-and-ar-models-for-woocommerce' ),
					'ready'    => __( 'Ready', '3d-and-ar-models-for-woocommerce' ),
					'none'     => __( 'None', '3d-and-ar-models-for-woocommerce' ),
					'queued'   => __( 'Queued', '3d-and-ar-models-for-woocommerce' ),
					'running'  => __( 'Running', '3d-and-ar-models-for-woocommerce' ),
					'failed'   => __( 'Failed', '3d-and-ar-models-for-woocommerce' ),
					'review'   => __( 'Needs review', '3d-and-ar-models-for-woocommerce' ),
				),
			)
		);
	}
}
