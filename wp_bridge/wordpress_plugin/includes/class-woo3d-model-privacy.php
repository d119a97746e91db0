<?php
/**
 * A product's model files are named to visitors only where its product page shows the product.
 *
 * WordPress lists an attachment of a published product to anyone (`/wp/v2/media`, by parent or id,
 * and `?attachment_id=` redirects to its file), password or not. So woo3d's files of a product this
 * visitor may not see (password not entered, private, draft) are left out of those answers, and a
 * held model's files from everyone who may not edit the product (they are private attachments too,
 * see wp_bridge/held_files.py). Users who may edit the product, the backend among them, see all.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Filters WordPress's media answers and attachment redirects for woo3d's model files.
 */
final class Woo3D_Model_Privacy {

	/**
	 * The query var that marks a REST media listing's query.
	 */
	const QUERY_FLAG = 'woo3d_model_privacy';

	/**
	 * Hooks the REST media routes and the attachment redirect.
	 */
	public static function register(): void {
		add_filter( 'rest_attachment_query', array( __CLASS__, 'mark_query' ) );
		add_filter( 'the_posts', array( __CLASS__, 'filter_listing' ), 10, 2 );
		add_filter( 'rest_request_before_callbacks', array( __CLASS__, 'filter_item' ), 10, 3 );
		add_action( 'template_redirect', array( __CLASS__, 'hide_attachment_page' ), 0 );
	}

	/**
	 * `rest_attachment_query`: marks the listing's query for filter_listing().
	 *
	 * @param array $args WP_Query arguments.
	 */
	public static function mark_query( $args ) {
		if ( is_array( $args ) ) {
			$args[ self::QUERY_FLAG ] = true;
		}
		return $args;
	}

	/**
	 * `the_posts` of a marked listing: without the model files this user may not see.
	 *
	 * @param WP_Post[]|mixed $posts The attachments found.
	 * @param WP_Query|mixed  $query The query.
	 */
	public static function filter_listing( $posts, $query ) {
		if ( ! is_array( $posts ) || ! $query instanceof WP_Query || ! $query->get( self::QUERY_FLAG ) ) {
			return $posts;
		}
		// One query for the parents and one for their meta, not two per attachment.
		$parents = array();
		foreach ( $posts as $post ) {
			if ( $post instanceof WP_Post && $post->post_parent > 0 ) {
				$parents[ (int) $post->post_parent ] = (int) $post->post_parent;
			}
		}
		if ( $parents ) {
			_prime_post_caches( array_values( $parents ), false, true );
		}
		return array_values(
			array_filter(
				$posts,
				static function ( $post ): bool {
					return ! self::hidden( $post );
				}
			)
		);
	}

	/**
	 * `rest_request_before_callbacks`: `/wp/v2/media/<id>` of a hidden model file answers as if it did
	 * not exist (WordPress's own 404), before its callback runs.
	 *
	 * @param WP_REST_Response|WP_Error|mixed $response The answer so far (null to run the callback).
	 * @param array|mixed                     $handler  The route's handler.
	 * @param WP_REST_Request|mixed           $request  The request.
	 */
	public static function filter_item( $response, $handler, $request ) {
		if ( null !== $response || ! $request instanceof WP_REST_Request || ! preg_match( '#^/wp/v2/media/(\d+)$#', $request->get_route(), $found ) ) {
			return $response;
		}
		if ( self::hidden( get_post( (int) $found[1] ) ) ) {
			return new WP_Error( 'rest_post_invalid_id', __( 'Invalid post ID.', '3d-and-ar-models-for-woocommerce' ), array( 'status' => 404 ) );
		}
		return $response;
	}

	/**
	 * `?attachment_id=<id>` of a hidden model file is a 404, not a redirect to its file.
	 */
	public static function hide_attachment_page(): void {
		global $wp_query;
		if ( is_attachment() && self::hidden( get_queried_object() ) ) {
			$wp_query->set_404();
			status_header( 404 );
			nocache_headers();
		}
	}

	/**
	 * Whether this attachment is one of woo3d's model files that the current user may not see.
	 *
	 * @param WP_Post|mixed $post An attachment.
	 */
	private static function hidden( $post ): bool {
		if ( ! $post instanceof WP_Post || 'attachment' !== $post->post_type || $post->post_parent <= 0 ) {
			return false;
		}
		$owner   = (int) $post->post_parent;
		$product = Woo3D_Variations::POST_TYPE === get_post_type( $owner ) ? (int) wp_get_post_parent_id( $owner ) : $owner;
		$held    = in_array( (int) $post->ID, Woo3D_Model::attachment_ids( $owner, true ), true );
		$live    = in_array( (int) $post->ID, Woo3D_Model::attachment_ids( $owner ), true );
		if ( ( ! $held && ! $live ) || 'product' !== get_post_type( $product ) || Woo3D_Rest::user_can_edit( $owner ) ) {
			return false;
		}
		return $held || ! Woo3D_Frontend::viewable( $product );
	}
}
