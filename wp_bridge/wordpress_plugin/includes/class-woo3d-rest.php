<?php
/**
 * The plugin's own REST routes (`woo3d/v1`): the admin screens call these with a nonce, and they
 * call the backend server-side, so the admin token never reaches a browser.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Generate, status and connection-test routes, each behind a capability check.
 */
final class Woo3D_Rest {

	const NAMESPACE = 'woo3d/v1';

	/**
	 * The admin screens' shared client for these routes (assets/js/admin-api.js).
	 */
	const CLIENT_SCRIPT = 'woo3d-admin-api';

	/**
	 * Most products one list-status request may ask about.
	 */
	const MAX_IDS = 50;

	/**
	 * Hooks the routes.
	 */
	public static function register(): void {
		add_action( 'rest_api_init', array( __CLASS__, 'register_routes' ) );
	}

	/**
	 * Declares the routes. Cookie-authenticated calls need the `wp_rest` nonce (X-WP-Nonce), which
	 * WordPress checks before the permission callbacks run.
	 */
	public static function register_routes(): void {
		$product_id = array(
			'id' => array(
				'type'     => 'integer',
				'minimum'  => 1,
				'required' => true,
			),
		);
		register_rest_route(
			self::NAMESPACE,
			'/products/(?P<id>\d+)/generate',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'generate' ),
				'permission_callback' => array( __CLASS__, 'can_edit_product' ),
				'args'                => $product_id + array(
					'force'        => array(
						'type'    => 'boolean',
						'default' => false,
					),
					'confirm_paid' => array(
						'type'    => 'boolean',
						'default' => false,
					),
				),
			)
		);
		register_rest_route(
			self::NAMESPACE,
			'/products/(?P<id>\d+)/status',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( __CLASS__, 'status' ),
				'permission_callback' => array( __CLASS__, 'can_edit_product' ),
				'args'                => $product_id,
			)
		);
		register_rest_route(
			self::NAMESPACE,
			'/statuses',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( __CLASS__, 'statuses' ),
				'permission_callback' => array( __CLASS__, 'can_edit_products' ),
				'args'                => array(
					'ids' => array(
						'type'     => 'array',
						'items'    => array(
							'type'    => 'integer',
							'minimum' => 1,
						),
						'maxItems' => self::MAX_IDS,
						'required' => true,
					),
				),
			)
		);
		register_rest_route(
			self::NAMESPACE,
			'/connection',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'test_connection' ),
				'permission_callback' => array( __CLASS__, 'can_manage_settings' ),
			)
		);
	}

	/**
	 * Registers the admin screens' client for these routes, with the REST root, the nonce and the
	 * question it asks before a paid call; screens list CLIENT_SCRIPT as a dependency.
	 */
	public static function register_client(): void {
		if ( wp_script_is( self::CLIENT_SCRIPT, 'registered' ) ) {
			return;
		}
		wp_register_script( self::CLIENT_SCRIPT, plugins_url( 'assets/js/admin-api.js', WOO3D_PLUGIN_FILE ), array(), WOO3D_VERSION, true );
		wp_localize_script(
			self::CLIENT_SCRIPT,
			'woo3dApiSettings',
			array(
				'root'  => esc_url_raw( rest_url( self::NAMESPACE ) ),
				'nonce' => wp_create_nonce( 'wp_rest' ),
				'i18n'  => array(
					'error'       => __( 'Could not reach WordPress.', '3d-and-ar-models-for-woocommerce' ),
					/* translators: %s: what the paid call costs, as the backend says it. */
					'confirmPaid' => __( '%s. Regenerate anyway?', '3d-and-ar-models-for-woocommerce' ),
				),
			)
		);
	}

	/**
	 * Whether the current user may edit this product or variation (the route's permission callback).
	 *
	 * @param WP_REST_Request $request The request.
	 */
	public static function can_edit_product( WP_REST_Request $request ): bool {
		return self::user_can_edit( (int) $request['id'] );
	}

	/**
	 * Whether the current user may edit this product, or this variation and its product.
	 *
	 * WooCommerce maps no capabilities for `product_variation`: `edit_post` on a variation asks only
	 * for the primitive `edit_product`, whoever owns it. So a variation also needs `edit_post` on its
	 * product, where the owner counts (`edit_others_products`, `edit_private_products`…).
	 *
	 * @param int $id A product or variation id.
	 */
	public static function user_can_edit( int $id ): bool {
		$type = get_post_type( $id );
		if ( 'product' === $type ) {
			return current_user_can( 'edit_post', $id );
		}
		if ( Woo3D_Variations::POST_TYPE !== $type ) {
			return false;
		}
		$parent = (int) wp_get_post_parent_id( $id );
		return 'product' === get_post_type( $parent ) && current_user_can( 'edit_post', $id ) && current_user_can( 'edit_post', $parent );
	}

	/**
	 * Whether the current user may edit products at all (each id is checked again in the callback).
	 */
	public static function can_edit_products(): bool {
		$type = get_post_type_object( 'product' );
		return null !== $type && current_user_can( $type->cap->edit_posts );
	}

	/**
	 * Whether the current user may change woo3d's settings.
	 */
	public static function can_manage_settings(): bool {
		return current_user_can( Woo3D_Settings::capability() );
	}

	/**
	 * `POST products/<id>/generate`: asks the backend to generate (or with force, regenerate). A paid
	 * regeneration answers 409 `needs_confirmation` (the backend's cost as the message) until
	 * `confirm_paid`.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function generate( WP_REST_Request $request ) {
		$id     = (int) $request['id'];
		$answer = Woo3D_Backend::from_settings()->generate( $id, (bool) $request['force'], (bool) $request['confirm_paid'] );
		if ( is_wp_error( $answer ) ) {
			return $answer;
		}
		if ( isset( $answer['status'] ) && 'skipped' === $answer['status'] ) {
			$reason = isset( $answer['reason'] ) && is_scalar( $answer['reason'] ) ? sanitize_text_field( (string) $answer['reason'] ) : '';
			return rest_ensure_response(
				array(
					'product_id' => $id,
					'queued'     => false,
					/* translators: %s: why the backend did not start a job. */
					'message'    => sprintf( __( 'Nothing to do: %s', '3d-and-ar-models-for-woocommerce' ), $reason ),
				)
			);
		}
		return self::queued( $id, $answer );
	}

	/**
	 * The answer to a started job: 202 with its queued status (the generate and regenerate routes).
	 *
	 * @param int   $id     The product.
	 * @param array $answer The backend's answer (its `job_id`).
	 */
	public static function queued( int $id, array $answer ): WP_REST_Response {
		$status = Woo3D_Status::from_backend(
			array(
				'state'  => 'queued',
				'job_id' => isset( $answer['job_id'] ) ? $answer['job_id'] : null,
			)
		);
		return new WP_REST_Response(
			array(
				'product_id' => $id,
				'queued'     => true,
				'status'     => $status,
				'message'    => $status['message'],
			),
			202
		);
	}

	/**
	 * `GET products/<id>/status`: the backend's job status plus the model the product has now.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function status( WP_REST_Request $request ) {
		$id     = (int) $request['id'];
		$answer = Woo3D_Backend::from_settings()->product_status( $id );
		if ( is_wp_error( $answer ) ) {
			return $answer;
		}
		$model  = Woo3D_Model::for_product( $id );
		$status = Woo3D_Status::from_backend( $answer );
		if ( 'none' === $status['state'] && null !== $model ) {
			// As in statuses(): the backend forgets old jobs; the product still has its model.
			$status = Woo3D_Status::from_meta( true );
		}
		return rest_ensure_response(
			array(
				'product_id' => $id,
				'status'     => $status,
				'model'      => null === $model ? null : array(
					'glb'    => $model['glb'],
					'usdz'   => $model['usdz'],
					'poster' => $model['poster'],
				),
			)
		);
	}

	/**
	 * `GET statuses?ids[]=…`: one status per product, for the products list column.
	 *
	 * One batched backend call with a short timeout (Woo3D_Backend::LIST_TIMEOUT), whatever the number
	 * of products: the list asks on every load, so a hung or slow backend costs seconds, not minutes.
	 * When the backend fails, each product's status comes from its meta, with the backend's error.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function statuses( WP_REST_Request $request ): WP_REST_Response {
		$asked = array_unique( array_map( 'intval', (array) $request['ids'] ) );
		_prime_post_caches( $asked, false, true );
		$ids = array();
		foreach ( $asked as $id ) {
			if ( 'product' === get_post_type( $id ) && current_user_can( 'edit_post', $id ) ) {
				$ids[] = $id;
			}
		}
		$answers  = $ids ? Woo3D_Backend::from_settings( Woo3D_Backend::LIST_TIMEOUT )->product_statuses( $ids ) : array();
		$statuses = array();
		foreach ( $ids as $id ) {
			$has_model = null !== Woo3D_Model::for_product( $id );
			if ( is_wp_error( $answers ) ) {
				$status            = Woo3D_Status::from_meta( $has_model );
				$status['message'] = $answers->get_error_message();
			} else {
				$status = Woo3D_Status::from_backend( isset( $answers[ (string) $id ] ) ? $answers[ (string) $id ] : array() );
				if ( 'none' === $status['state'] && $has_model ) {
					// The backend forgets old jobs; the product still has its model.
					$status = Woo3D_Status::from_meta( true );
				}
			}
			$statuses[ (string) $id ] = $status;
		}
		return rest_ensure_response( array( 'statuses' => (object) $statuses ) );
	}

	/**
	 * `POST connection`: whether the saved settings reach a woo3d backend that accepts the token.
	 *
	 * @return WP_REST_Response
	 */
	public static function test_connection(): WP_REST_Response {
		$result = Woo3D_Backend::from_settings()->test_connection();
		if ( is_wp_error( $result ) ) {
			return self::connection_result( false, $result->get_error_message() );
		}
		return self::connection_result( true, __( 'Connected: the backend is up and accepted the admin token.', '3d-and-ar-models-for-woocommerce' ) );
	}

	/**
	 * The connection test's answer.
	 *
	 * @param bool   $ok      Whether every check passed.
	 * @param string $message What to tell the admin.
	 */
	private static function connection_result( bool $ok, string $message ): WP_REST_Response {
		return rest_ensure_response(
			array(
				'ok'      => $ok,
				'message' => $message,
			)
		);
	}
}
