<?php
/**
 * The review gate's merchant side: a held model in the 3D meta box (poster, three views, score,
 * reasons; Approve, Regenerate, Discard), the products list's "3D: needs review" view and bulk
 * Approve, and the REST routes they call.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Everything about models held for review; the live model's UI stays in Woo3D_Admin.
 */
final class Woo3D_Review {

	const BULK_ACTION = 'woo3d_approve';

	/**
	 * The products list's query arg for the "needs review" view.
	 */
	const FILTER_ARG = 'woo3d_review';

	/**
	 * The query arg that carries a bulk approval's result key.
	 */
	const RESULT_ARG = 'woo3d_approved';

	/**
	 * The product meta the shape class is kept in (shared with the Shape select of the meta box).
	 */
	const SHAPE_META = '_woo3d_shape';

	const SHAPES = array( 'auto', 'round', 'box', 'flat', 'garment', 'free-form' );

	/**
	 * Where the count of products held for review is kept between changes of any product's model meta:
	 * counting needs a LIKE over serialized meta, too slow to run on every products list load.
	 */
	const COUNT_CACHE = 'woo3d_review_count';

	/**
	 * Hooks the meta box script, the list view, the bulk action and the routes.
	 */
	public static function register(): void {
		add_action( 'rest_api_init', array( __CLASS__, 'register_routes' ) );
		add_filter( 'views_edit-product', array( __CLASS__, 'add_view' ) );
		foreach ( array( 'added_post_meta', 'updated_post_meta', 'deleted_post_meta' ) as $meta_hook ) {
			add_action( $meta_hook, array( __CLASS__, 'forget_count' ), 10, 3 );
		}
		add_action( 'pre_get_posts', array( __CLASS__, 'filter_list' ) );
		add_filter( 'bulk_actions-edit-product', array( __CLASS__, 'add_bulk_action' ), 20 );
		add_filter( 'handle_bulk_actions-edit-product', array( __CLASS__, 'handle_bulk_action' ), 10, 3 );
		add_action( 'admin_notices', array( __CLASS__, 'bulk_notice' ) );
		add_filter( 'removable_query_args', array( __CLASS__, 'removable_query_args' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue_assets' ), 20 );
	}

	/**
	 * The meta box section for a held model (nothing when none is held).
	 *
	 * @param WP_Post $post The product.
	 */
	public static function render_section( WP_Post $post ): void {
		$held = Woo3D_Model::held_for_product( $post->ID );
		if ( null === $held ) {
			return;
		}
		$labels = array(
			'front' => __( 'Front', '3d-and-ar-models-for-woocommerce' ),
			'45'    => __( '45°', '3d-and-ar-models-for-woocommerce' ),
			'side'  => __( 'Side', '3d-and-ar-models-for-woocommerce' ),
		);
		$shape  = (string) get_post_meta( $post->ID, self::SHAPE_META, true );
		$poster = array(
			'class' => 'woo3d-review__poster',
			'alt'   => __( 'Poster of the model waiting for review', '3d-and-ar-models-for-woocommerce' ),
		);
		?>
		<div class="woo3d-review" data-fingerprint="<?php echo esc_attr( $held['fingerprint'] ); ?>">
			<h4 class="woo3d-review__title"><?php esc_html_e( 'New model waiting for your review', '3d-and-ar-models-for-woocommerce' ); ?></h4>
			<p class="woo3d-review__note"><?php esc_html_e( 'Shoppers still see the current model (or none) until you approve this one.', '3d-and-ar-models-for-woocommerce' ); ?></p>
			<?php if ( '' !== $held['poster'] ) : ?>
				<a href="<?php echo esc_url( $held['glb'] ); ?>" target="_blank" rel="noopener"><?php echo wp_get_attachment_image( Woo3D_Model::image_id( $held['poster'] ), 'full', false, $poster ); ?></a>
			<?php endif; ?>
			<div class="woo3d-review__views">
				<?php foreach ( $held['views'] as $angle => $url ) : ?>
					<figure class="woo3d-review__view">
						<?php echo wp_get_attachment_image( Woo3D_Model::image_id( $url ), 'full', false, array( 'alt' => $labels[ $angle ] ) ); ?>
						<figcaption><?php echo esc_html( $labels[ $angle ] ); ?></figcaption>
					</figure>
				<?php endforeach; ?>
			</div>
			<p class="woo3d-review__score">
				<?php
				if ( null === $held['score'] ) {
					esc_html_e( 'Quality score: unknown', '3d-and-ar-models-for-woocommerce' );
				} else {
					/* translators: %d: the model's quality score. */
					echo esc_html( sprintf( __( 'Quality score: %d / 100', '3d-and-ar-models-for-woocommerce' ), $held['score'] ) );
				}
				?>
			</p>
			<?php if ( '' !== $held['held_because'] ) : ?>
				<?php /* translators: %s: why the model was held, e.g. "its quality score 41 is below 70". */ ?>
				<p class="woo3d-review__why"><?php echo esc_html( sprintf( __( 'Held because %s.', '3d-and-ar-models-for-woocommerce' ), $held['held_because'] ) ); ?></p>
			<?php endif; ?>
			<?php if ( $held['reasons'] ) : ?>
				<ul class="woo3d-review__reasons">
					<?php foreach ( $held['reasons'] as $reason ) : ?>
						<li><?php echo esc_html( $reason ); ?></li>
					<?php endforeach; ?>
				</ul>
			<?php endif; ?>
			<p class="woo3d-review__actions">
				<button type="button" class="button button-primary woo3d-review__approve"><?php esc_html_e( 'Approve', '3d-and-ar-models-for-woocommerce' ); ?></button>
				<button type="button" class="button woo3d-review__discard"><?php esc_html_e( 'Discard', '3d-and-ar-models-for-woocommerce' ); ?></button>
			</p>
			<p class="woo3d-review__regenerate">
				<label for="woo3d-review-shape"><?php esc_html_e( 'Shape', '3d-and-ar-models-for-woocommerce' ); ?></label>
				<select id="woo3d-review-shape" class="woo3d-review__shape">
					<?php foreach ( Woo3D_Admin::shape_labels() as $option => $label ) : ?>
						<option value="<?php echo esc_attr( $option ); ?>"<?php selected( '' === $shape ? 'auto' : $shape, $option ); ?>><?php echo esc_html( $label ); ?></option>
					<?php endforeach; ?>
				</select>
				<button type="button" class="button woo3d-review__regenerate-button"><?php esc_html_e( 'Regenerate', '3d-and-ar-models-for-woocommerce' ); ?></button>
			</p>
			<p class="woo3d-review__status" role="status" aria-live="polite"></p>
		</div>
		<?php
	}

	/**
	 * Declares `products/<id>/review/(approve|discard|regenerate)`, each for users who may edit the product.
	 */
	public static function register_routes(): void {
		$args = array(
			'id' => array(
				'type'     => 'integer',
				'minimum'  => 1,
				'required' => true,
			),
		);
		register_rest_route(
			Woo3D_Rest::NAMESPACE,
			'/products/(?P<id>\d+)/review/(?P<verdict>approve|discard)',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'settle' ),
				'permission_callback' => array( 'Woo3D_Rest', 'can_edit_product' ),
				'args'                => $args + array(
					'fingerprint' => array(
						'type'    => 'string',
						'pattern' => '^sha256:[0-9a-f]{64}$',
					),
				),
			)
		);
		register_rest_route(
			Woo3D_Rest::NAMESPACE,
			'/products/(?P<id>\d+)/review/regenerate',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'regenerate' ),
				'permission_callback' => array( 'Woo3D_Rest', 'can_edit_product' ),
				'args'                => $args + array(
					'shape'        => array(
						'type' => 'string',
						'enum' => self::SHAPES,
					),
					'confirm_paid' => array(
						'type'    => 'boolean',
						'default' => false,
					),
				),
			)
		);
	}

	/**
	 * `POST products/<id>/review/approve|discard`: the backend publishes or deletes the held model.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function settle( WP_REST_Request $request ) {
		$id      = (int) $request['id'];
		$verdict = 'approve' === $request['verdict'] ? 'approve' : 'discard';
		$answer  = Woo3D_Backend::from_settings()->review( $id, $verdict, (string) $request['fingerprint'] );
		if ( is_wp_error( $answer ) ) {
			return $answer;
		}
		return rest_ensure_response(
			array(
				'product_id' => $id,
				'verdict'    => $verdict,
				'message'    => 'approve' === $verdict
					? __( 'Approved: the new model is on the product page now.', '3d-and-ar-models-for-woocommerce' )
					: __( 'Discarded: the model and its files were deleted.', '3d-and-ar-models-for-woocommerce' ),
			)
		);
	}

	/**
	 * `POST products/<id>/review/regenerate`: saves the shape class asked for, then asks the backend
	 * for a new model. A paid call is made only after the merchant confirmed it: until then the
	 * answer is 409 `woo3d_needs_confirmation` (saying what it costs) and the shape is left as it was.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function regenerate( WP_REST_Request $request ) {
		$id       = (int) $request['id'];
		$shape    = (string) $request['shape'];
		$previous = get_post_meta( $id, self::SHAPE_META, true );
		if ( '' !== $shape ) {
			update_post_meta( $id, self::SHAPE_META, $shape );
		}
		$answer = Woo3D_Backend::from_settings()->regenerate( $id, (bool) $request['confirm_paid'] );
		if ( is_wp_error( $answer ) ) {
			if ( '' !== $shape ) {
				if ( '' === $previous ) {
					delete_post_meta( $id, self::SHAPE_META );
				} else {
					update_post_meta( $id, self::SHAPE_META, $previous );
				}
			}
			return $answer;
		}
		return Woo3D_Rest::queued( $id, $answer );
	}

	/**
	 * Adds "3D: needs review (N)" to the products list's views.
	 *
	 * @param array $views View slugs to links.
	 */
	public static function add_view( array $views ): array {
		$count = get_transient( self::COUNT_CACHE );
		if ( false === $count ) {
			$count = ( new WP_Query(
				array(
					'post_type'      => 'product',
					'post_status'    => 'any',
					'posts_per_page' => 1,
					'fields'         => 'ids',
					'meta_query'     => self::held_meta_query(), // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_query -- counted once per change of a model, then cached.
				)
			) )->found_posts;
			set_transient( self::COUNT_CACHE, (int) $count, DAY_IN_SECONDS );
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a read-only view switch.
		$current               = isset( $_GET[ self::FILTER_ARG ] );
		$views['woo3d_review'] = sprintf(
			'<a href="%1$s"%2$s>%3$s <span class="count">(%4$d)</span></a>',
			esc_url( add_query_arg( self::FILTER_ARG, '1', admin_url( 'edit.php?post_type=product' ) ) ),
			$current ? ' class="current" aria-current="page"' : '',
			esc_html__( '3D: needs review', '3d-and-ar-models-for-woocommerce' ),
			(int) $count
		);
		return $views;
	}

	/**
	 * Drops the cached count when any product's model meta changes (the backend writes it through the
	 * WooCommerce REST API; approving, discarding and deleting change it here).
	 *
	 * @param int|int[] $meta_ids  The meta rows changed.
	 * @param int       $object_id The post.
	 * @param string    $meta_key  The meta key.
	 */
	public static function forget_count( $meta_ids, $object_id, $meta_key ): void {
		if ( WOO3D_META_KEY === $meta_key ) {
			delete_transient( self::COUNT_CACHE );
		}
	}

	/**
	 * Narrows the products list to products holding a model for review.
	 *
	 * @param WP_Query $query The list's query.
	 */
	public static function filter_list( WP_Query $query ): void {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a read-only view switch.
		if ( ! is_admin() || ! $query->is_main_query() || 'product' !== $query->get( 'post_type' ) || ! isset( $_GET[ self::FILTER_ARG ] ) ) {
			return;
		}
		$query->set( 'meta_query', self::held_meta_query() ); // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_query -- only on the review view the merchant opened.
	}

	/**
	 * Products whose `_woo3d_model` holds a model for review: only the `pending` object has the
	 * state "review" (WooCommerce keeps the value serialized; other writers, as JSON text).
	 */
	private static function held_meta_query(): array {
		return array(
			'relation' => 'OR',
			array(
				'key'     => WOO3D_META_KEY,
				'value'   => 's:5:"state";s:6:"review";',
				'compare' => 'LIKE',
			),
			array(
				'key'     => WOO3D_META_KEY,
				'value'   => '"state":"review"',
				'compare' => 'LIKE',
			),
		);
	}

	/**
	 * Adds "Approve 3D models" to the bulk actions.
	 *
	 * @param array $actions Action slugs to labels.
	 */
	public static function add_bulk_action( array $actions ): array {
		if ( Woo3D_Rest::can_edit_products() ) {
			$actions[ self::BULK_ACTION ] = __( 'Approve 3D models', '3d-and-ar-models-for-woocommerce' );
		}
		return $actions;
	}

	/**
	 * Approves the held model of each selected product (edit.php has checked the bulk-posts nonce).
	 *
	 * @param string $redirect Where to go afterwards.
	 * @param string $action   The chosen bulk action.
	 * @param array  $post_ids The selected products.
	 */
	public static function handle_bulk_action( string $redirect, string $action, array $post_ids ): string {
		if ( self::BULK_ACTION !== $action ) {
			return $redirect;
		}
		$backend  = Woo3D_Backend::from_settings();
		$approved = 0;
		$skipped  = 0;
		$failed   = 0;
		$error    = '';
		foreach ( array_map( 'intval', $post_ids ) as $id ) {
			if ( 'product' !== get_post_type( $id ) || ! current_user_can( 'edit_post', $id ) ) {
				++$failed;
				continue;
			}
			$held = Woo3D_Model::held_for_product( $id );
			if ( null === $held ) {
				++$skipped;
				continue;
			}
			$answer = $backend->review( $id, 'approve', $held['fingerprint'] );
			if ( is_wp_error( $answer ) ) {
				++$failed;
				$error = $answer->get_error_message();
			} else {
				++$approved;
			}
		}
		return Woo3D_Bulk_Result::stash(
			$redirect,
			self::RESULT_ARG,
			array(
				'approved' => $approved,
				'skipped'  => $skipped,
				'failed'   => $failed,
				'error'    => $error,
			),
			array( self::FILTER_ARG )
		);
	}

	/**
	 * The bulk approval's result, once, for the user who ran it.
	 */
	public static function bulk_notice(): void {
		$result = Woo3D_Bulk_Result::take( self::RESULT_ARG );
		if ( null === $result ) {
			return;
		}
		$approved = (int) $result['approved'];
		$skipped  = (int) $result['skipped'];
		$failed   = (int) $result['failed'];
		if ( $approved > 0 ) {
			printf(
				'<div class="notice notice-success is-dismissible woo3d-notice"><p>%s</p></div>',
				/* translators: %d: number of products. */
				esc_html( sprintf( _n( 'Approved the 3D model of %d product: it is on the product page now.', 'Approved the 3D models of %d products: they are on the product pages now.', $approved, '3d-and-ar-models-for-woocommerce' ), $approved ) )
			);
		}
		if ( $skipped > 0 ) {
			printf(
				'<div class="notice notice-info is-dismissible woo3d-notice"><p>%s</p></div>',
				/* translators: %d: number of products. */
				esc_html( sprintf( _n( '%d product had no 3D model waiting for review.', '%d products had no 3D model waiting for review.', $skipped, '3d-and-ar-models-for-woocommerce' ), $skipped ) )
			);
		}
		if ( $failed > 0 ) {
			printf(
				'<div class="notice notice-error is-dismissible woo3d-notice"><p>%s %s</p></div>',
				/* translators: %d: number of products. */
				esc_html( sprintf( _n( 'Could not approve the 3D model of %d product.', 'Could not approve the 3D models of %d products.', $failed, '3d-and-ar-models-for-woocommerce' ), $failed ) ),
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
	 * Loads the review script on product edit screens, after the meta box's own script.
	 *
	 * @param string $hook_suffix The admin page.
	 */
	public static function enqueue_assets( string $hook_suffix ): void {
		$screen = get_current_screen();
		if ( null === $screen || 'product' !== $screen->post_type || ! in_array( $hook_suffix, array( 'post.php', 'post-new.php' ), true ) ) {
			return;
		}
		Woo3D_Rest::register_client();
		wp_enqueue_script( 'woo3d-admin-review', plugins_url( 'assets/js/admin-review.js', WOO3D_PLUGIN_FILE ), array( 'woo3d-admin-product', Woo3D_Rest::CLIENT_SCRIPT ), WOO3D_VERSION, true );
		wp_localize_script(
			'woo3d-admin-review',
			'woo3dReview',
			array(
				'i18n' => array(
					'working'        => __( 'Working…', '3d-and-ar-models-for-woocommerce' ),
					'confirmDiscard' => __( 'Discard this model and delete its files?', '3d-and-ar-models-for-woocommerce' ),
				),
			)
		);
	}
}
