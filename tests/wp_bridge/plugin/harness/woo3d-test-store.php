<?php
/**
 * Plugin Name: woo3d test store (tests only)
 * Description: Stands in for WooCommerce in woo3d's plugin tests: the `product` post type, roles and
 *              capabilities as WooCommerce registers them, and the few `wc/v3` REST routes the woo3d
 *              job uses, authenticated with one-legged OAuth 1.0a consumer keys (or an application
 *              password), as WooCommerce does over plain http. Never ship this.
 *
 * @package Woo3D\Tests
 */

defined( 'ABSPATH' ) || exit;

const WOO3D_TEST_PRODUCT_CAPS = array(
	'edit_product',
	'read_product',
	'delete_product',
	'edit_products',
	'edit_others_products',
	'publish_products',
	'read_private_products',
	'delete_products',
	'delete_private_products',
	'delete_published_products',
	'delete_others_products',
	'edit_private_products',
	'edit_published_products',
	'manage_product_terms',
	'edit_product_terms',
	'delete_product_terms',
	'assign_product_terms',
);

/**
 * Meta keys WooCommerce keeps out of `meta_data` (they are product fields).
 */
const WOO3D_TEST_INTERNAL_META = array( '_edit_lock', '_edit_last', '_thumbnail_id', '_product_image_gallery', '_length', '_width', '_height', '_price', '_regular_price', '_sku', '_wp_old_slug' );

add_action(
	'init',
	static function () {
		register_taxonomy(
			'product_cat',
			array( 'product' ),
			array(
				'hierarchical' => true,
				'label'        => 'Categories',
				'show_in_rest' => true,
				'capabilities' => array(
					'manage_terms' => 'manage_product_terms',
					'edit_terms'   => 'edit_product_terms',
					'delete_terms' => 'delete_product_terms',
					'assign_terms' => 'assign_product_terms',
				),
			)
		);
		register_post_type(
			'product',
			array(
				// WooCommerce's own labels, so the admin screens read as on a real store.
				'labels'          => array(
					'name'                  => 'Products',
					'singular_name'         => 'Product',
					'all_items'             => 'All Products',
					'add_new_item'          => 'Add new product',
					'edit_item'             => 'Edit product',
					'new_item'              => 'New product',
					'view_item'             => 'View product',
					'view_items'            => 'View products',
					'search_items'          => 'Search products',
					'not_found'             => 'No products found',
					'featured_image'        => 'Product image',
					'set_featured_image'    => 'Set product image',
					'remove_featured_image' => 'Remove product image',
				),
				'public'          => true,
				'show_ui'         => true,
				'capability_type' => 'product',
				'map_meta_cap'    => true,
				'hierarchical'    => false,
				'rewrite'         => array( 'slug' => 'product' ),
				'query_var'       => true,
				'supports'        => array( 'title', 'editor', 'excerpt', 'thumbnail', 'custom-fields' ),
				'has_archive'     => 'shop',
				'show_in_rest'    => true,
			)
		);
	},
	5
);

/**
 * What `class_exists( 'WooCommerce' )` finds when WooCommerce is active: plugins (woo3d among them)
 * switch to WooCommerce's menu and its `manage_woocommerce` capability on it.
 */
final class WooCommerce {
}

// WooCommerce's top-level admin menu, which woo3d's settings page hangs under.
add_action(
	'admin_menu',
	static function () {
		add_menu_page( 'WooCommerce', 'WooCommerce', 'manage_woocommerce', 'woocommerce', '__return_null', 'dashicons-cart', 55.5 );
	},
	9
);

// WooCommerce edits products in the classic editor.
add_filter(
	'use_block_editor_for_post_type',
	static function ( $use, $post_type ) {
		return 'product' === $post_type ? false : $use;
	},
	10,
	2
);

// Fast polling keeps the browser tests short.
add_filter(
	'woo3d_poll_interval_ms',
	static function () {
		return 250;
	}
);

/**
 * Creates WooCommerce's roles and gives administrators and shop managers the product capabilities.
 */
function woo3d_test_store_install() {
	add_role( 'customer', 'Customer', array( 'read' => true ) );
	add_role(
		'shop_manager',
		'Shop manager',
		array(
			'read'         => true,
			'upload_files' => true,
			'edit_posts'   => true,
		)
	);
	foreach ( array( 'administrator', 'shop_manager' ) as $role_name ) {
		$role = get_role( $role_name );
		foreach ( array_merge( WOO3D_TEST_PRODUCT_CAPS, array( 'manage_woocommerce' ) ) as $cap ) {
			$role->add_cap( $cap );
		}
	}
}

/**
 * A product as `GET /wc/v3/products/<id>` represents it (the fields woo3d reads).
 *
 * @param WP_Post $post The product.
 */
function woo3d_test_store_product( WP_Post $post ) {
	global $wpdb;
	$image_ids = array_filter( array_merge( array( (int) get_post_thumbnail_id( $post ) ), array_map( 'intval', explode( ',', (string) get_post_meta( $post->ID, '_product_image_gallery', true ) ) ) ) );
	$images    = array();
	foreach ( array_unique( $image_ids ) as $image_id ) {
		$images[] = array(
			'id'   => $image_id,
			'src'  => wp_get_attachment_url( $image_id ),
			'name' => get_the_title( $image_id ),
			'alt'  => (string) get_post_meta( $image_id, '_wp_attachment_image_alt', true ),
		);
	}
	$meta_data = array();
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- meta ids are not exposed by get_post_meta.
	$rows = $wpdb->get_results( $wpdb->prepare( "SELECT meta_id, meta_key, meta_value FROM {$wpdb->postmeta} WHERE post_id = %d ORDER BY meta_id", $post->ID ) );
	foreach ( $rows as $row ) {
		if ( ! in_array( $row->meta_key, WOO3D_TEST_INTERNAL_META, true ) ) {
			$meta_data[] = array(
				'id'    => (int) $row->meta_id,
				'key'   => $row->meta_key,
				'value' => maybe_unserialize( $row->meta_value ),
			);
		}
	}
	$categories = array();
	foreach ( wp_get_post_terms( $post->ID, 'product_cat' ) as $term ) {
		$categories[] = array(
			'id'   => $term->term_id,
			'name' => $term->name,
			'slug' => $term->slug,
		);
	}
	return array(
		'id'                => $post->ID,
		'name'              => $post->post_title,
		'slug'              => $post->post_name,
		'permalink'         => get_permalink( $post ),
		'date_modified'     => mysql_to_rfc3339( $post->post_modified ),
		'date_modified_gmt' => mysql_to_rfc3339( $post->post_modified_gmt ),
		'type'              => 'simple',
		'status'            => $post->post_status,
		'parent_id'         => 0,
		'description'       => $post->post_content,
		'short_description' => $post->post_excerpt,
		'sku'               => (string) get_post_meta( $post->ID, '_sku', true ),
		'price'             => (string) get_post_meta( $post->ID, '_price', true ),
		'regular_price'     => (string) get_post_meta( $post->ID, '_regular_price', true ),
		'dimensions'        => array(
			'length' => (string) get_post_meta( $post->ID, '_length', true ),
			'width'  => (string) get_post_meta( $post->ID, '_width', true ),
			'height' => (string) get_post_meta( $post->ID, '_height', true ),
		),
		'categories'        => $categories,
		'attributes'        => array(),
		'images'            => $images,
		'meta_data'         => $meta_data,
	);
}

/**
 * Applies a `PUT /wc/v3/products/<id>` body's name and meta_data as WooCommerce does: a row with an
 * id updates that row (or deletes it when its value is null), a row without one replaces the key.
 *
 * @param int   $id   The product.
 * @param array $body The JSON body.
 */
function woo3d_test_store_update( $id, array $body ) {
	$post = array( 'ID' => $id );
	if ( isset( $body['name'] ) ) {
		$post['post_title'] = (string) $body['name'];
	}
	foreach ( isset( $body['meta_data'] ) && is_array( $body['meta_data'] ) ? $body['meta_data'] : array() as $row ) {
		$meta_id = isset( $row['id'] ) ? (int) $row['id'] : 0;
		$key     = isset( $row['key'] ) ? (string) $row['key'] : '';
		$value   = array_key_exists( 'value', $row ) ? $row['value'] : null;
		$stored  = $meta_id ? get_metadata_by_mid( 'post', $meta_id ) : false;
		if ( $stored && (int) $stored->post_id === $id ) {
			if ( null === $value ) {
				delete_metadata_by_mid( 'post', $meta_id );
			} else {
				update_metadata_by_mid( 'post', $meta_id, wp_slash( $value ), $key ? $key : false );
			}
		} elseif ( '' !== $key ) {
			delete_post_meta( $id, $key );
			if ( null !== $value ) {
				add_post_meta( $id, $key, wp_slash( $value ) );
			}
		}
	}
	// Every WooCommerce save touches the product, like this one.
	wp_update_post( $post );
}

add_action(
	'rest_api_init',
	static function () {
		register_rest_route(
			'wc/v3',
			'/products/(?P<id>\d+)',
			array(
				array(
					'methods'             => 'GET',
					'permission_callback' => static function () {
						return current_user_can( 'read_private_products' );
					},
					'callback'            => 'woo3d_test_store_get_product',
				),
				array(
					'methods'             => 'PUT, PATCH, POST',
					'permission_callback' => static function ( WP_REST_Request $request ) {
						return current_user_can( 'edit_post', (int) $request['id'] );
					},
					'callback'            => static function ( WP_REST_Request $request ) {
						$post = get_post( (int) $request['id'] );
						if ( $post && 'product_variation' === $post->post_type ) {
							// WooCommerce's answer to a variation written through /products/<id>.
							return new WP_Error( 'woocommerce_rest_invalid_product_id', 'To manipulate product variations you should use the /products/<product_id>/variations/<id> endpoint.', array( 'status' => 404 ) );
						}
						if ( ! $post || 'product' !== $post->post_type ) {
							return new WP_Error( 'woocommerce_rest_product_invalid_id', 'Invalid ID.', array( 'status' => 404 ) );
						}
						$body = $request->get_json_params();
						woo3d_test_store_update( $post->ID, is_array( $body ) ? $body : array() );
						return rest_ensure_response( woo3d_test_store_product( get_post( $post->ID ) ) );
					},
				),
			)
		);
		register_rest_route(
			'wc/v3',
			'/settings/products/woocommerce_dimension_unit',
			array(
				'methods'             => 'GET',
				'permission_callback' => static function () {
					return current_user_can( 'manage_woocommerce' );
				},
				'callback'            => static function () {
					return rest_ensure_response(
						array(
							'id'      => 'woocommerce_dimension_unit',
							'label'   => 'Dimensions unit',
							'type'    => 'select',
							'default' => 'cm',
							'value'   => get_option( 'woocommerce_dimension_unit', 'cm' ),
						)
					);
				},
			)
		);
	}
);

/**
 * `GET /wc/v3/products/<id>`.
 *
 * @param WP_REST_Request $request The request.
 */
function woo3d_test_store_get_product( WP_REST_Request $request ) {
	$post = get_post( (int) $request['id'] );
	if ( ! $post || 'product' !== $post->post_type ) {
		return new WP_Error( 'woocommerce_rest_product_invalid_id', 'Invalid ID.', array( 'status' => 404 ) );
	}
	return rest_ensure_response( woo3d_test_store_product( $post ) );
}

/**
 * The OAuth 1.0a failure of this request, if any, reported as WooCommerce does.
 *
 * @var WP_Error|null
 */
$GLOBALS['woo3d_test_oauth_error'] = null;

add_filter(
	'determine_current_user',
	static function ( $user_id ) {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended, WordPress.Security.ValidatedSanitizedInput
		$uri = isset( $_SERVER['REQUEST_URI'] ) ? (string) $_SERVER['REQUEST_URI'] : '';
		if ( $user_id || false === strpos( $uri, '/wp-json/wc/' ) || empty( $_GET['oauth_consumer_key'] ) ) {
			return $user_id;
		}
		$params = wp_unslash( $_GET );
		// phpcs:enable
		$error = static function ( $message ) {
			$GLOBALS['woo3d_test_oauth_error'] = new WP_Error( 'woocommerce_rest_authentication_error', $message, array( 'status' => 401 ) );
			return false;
		};
		if ( get_option( 'woo3d_test_wc_consumer_key' ) !== $params['oauth_consumer_key'] || empty( $params['oauth_signature'] ) ) {
			return $error( 'Consumer key is invalid.' );
		}
		$given = (string) $params['oauth_signature'];
		unset( $params['oauth_signature'] );
		ksort( $params, SORT_STRING );
		$pairs = array();
		foreach ( $params as $key => $value ) {
			$pairs[] = rawurlencode( rawurlencode( (string) $key ) . '=' . rawurlencode( (string) $value ) );
		}
		$path     = (string) wp_parse_url( $uri, PHP_URL_PATH );
		$base     = strtoupper( (string) $_SERVER['REQUEST_METHOD'] ) . '&' . rawurlencode( home_url( $path ) ) . '&' . implode( '%26', $pairs );
		$expected = base64_encode( hash_hmac( 'sha256', $base, get_option( 'woo3d_test_wc_consumer_secret' ) . '&', true ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
		if ( ! hash_equals( $expected, $given ) ) {
			return $error( 'Invalid signature - provided signature does not match.' );
		}
		return (int) get_option( 'woo3d_test_wc_user_id' );
	},
	15
);

add_filter(
	'rest_authentication_errors',
	static function ( $result ) {
		return $GLOBALS['woo3d_test_oauth_error'] instanceof WP_Error ? $GLOBALS['woo3d_test_oauth_error'] : $result;
	},
	20
);
