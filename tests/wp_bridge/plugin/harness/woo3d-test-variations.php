<?php
/**
 * Plugin Name: woo3d test variations (tests only)
 * Description: Stands in for WooCommerce's variable products in woo3d's plugin tests, with WooCommerce's
 *              contracts: `product_variation` posts under a product (`attribute_*` meta, their own
 *              thumbnail), the data of each available variation passed through
 *              `woocommerce_available_variation` into the variations form's `data-product_variations`,
 *              the form's jQuery events (woo3d-test-variations.js), the editor's variations panels
 *              loaded over admin-ajax then `woocommerce_variations_loaded`, each with
 *              `woocommerce_product_after_variable_attributes`, and the `wc/v3` variations route.
 *              Never ship this.
 *
 * @package Woo3D\Tests
 */

defined( 'ABSPATH' ) || exit;

/**
 * What WooCommerce passes as `$product` and `$variation` to `woocommerce_available_variation`: objects
 * with `get_id()` (WC_Product_Variable, WC_Product_Variation).
 */
final class Woo3D_Test_WC_Product {

	/**
	 * The post id.
	 *
	 * @var int
	 */
	private $id;

	/**
	 * A product or variation by post id.
	 *
	 * @param int $id The post id.
	 */
	public function __construct( int $id ) {
		$this->id = $id;
	}

	/**
	 * The post id, as WC_Data::get_id().
	 */
	public function get_id(): int {
		return $this->id;
	}
}

add_action(
	'init',
	static function () {
		register_post_type(
			'product_variation',
			array(
				'label'           => 'Variations',
				'public'          => false,
				'capability_type' => 'product',
				'map_meta_cap'    => true,
				'supports'        => array( 'title', 'thumbnail', 'custom-fields' ),
			)
		);
	},
	5
);

/**
 * A product's published variations, in WooCommerce's order.
 *
 * @param int $product_id The variable product.
 * @return WP_Post[]
 */
function woo3d_test_variations( int $product_id ): array {
	return get_posts(
		array(
			'post_type'   => 'product_variation',
			'post_parent' => $product_id,
			'post_status' => 'publish',
			'numberposts' => -1,
			'orderby'     => 'menu_order ID',
			'order'       => 'ASC',
		)
	);
}

/**
 * `WC_Product_Variable::get_available_variations()`: each variation's data as the form receives it, after
 * `woocommerce_available_variation` (the fields the form script reads; the image falls back to the product's).
 *
 * @param int $product_id The variable product.
 */
function woo3d_test_available_variations( int $product_id ): array {
	$available = array();
	foreach ( woo3d_test_variations( $product_id ) as $variation ) {
		$attributes = array();
		foreach ( get_post_meta( $variation->ID ) as $key => $values ) {
			if ( 0 === strpos( $key, 'attribute_' ) ) {
				$attributes[ $key ] = (string) $values[0];
			}
		}
		$image_id    = (int) get_post_thumbnail_id( $variation ) ? (int) get_post_thumbnail_id( $variation ) : (int) get_post_thumbnail_id( $product_id );
		$data        = array(
			'attributes'           => $attributes,
			'availability_html'    => '',
			'image'                => array(
				'src' => (string) wp_get_attachment_url( $image_id ),
				'alt' => (string) get_post_meta( $image_id, '_wp_attachment_image_alt', true ),
			),
			'image_id'             => $image_id,
			'is_in_stock'          => true,
			'is_purchasable'       => true,
			'variation_description' => '',
			'variation_id'         => $variation->ID,
			'variation_is_active'  => true,
			'variation_is_visible' => true,
		);
		$available[] = apply_filters( 'woocommerce_available_variation', $data, new Woo3D_Test_WC_Product( $product_id ), new Woo3D_Test_WC_Product( $variation->ID ) );
	}
	return $available;
}

// The single product page's variations form (WooCommerce's single-product/add-to-cart/variable.php).
add_filter(
	'the_content',
	static function ( $content ) {
		if ( is_admin() || ! is_singular( 'product' ) || get_queried_object_id() !== get_the_ID() ) {
			return $content;
		}
		$variations = woo3d_test_available_variations( (int) get_the_ID() );
		if ( ! $variations ) {
			return $content;
		}
		$options = array();
		foreach ( $variations as $variation ) {
			foreach ( $variation['attributes'] as $name => $value ) {
				$options[ $name ][ $value ] = true;
			}
		}
		$rows = '';
		foreach ( $options as $name => $values ) {
			$id    = sanitize_title( substr( $name, strlen( 'attribute_' ) ) );
			$items = '<option value="">Choose an option</option>';
			foreach ( array_keys( $values ) as $value ) {
				$items .= sprintf( '<option value="%1$s">%1$s</option>', esc_attr( $value ) );
			}
			$rows .= sprintf(
				'<tr><th class="label"><label for="%1$s">%2$s</label></th><td class="value"><select id="%1$s" name="%3$s" data-attribute_name="%3$s">%4$s</select></td></tr>',
				esc_attr( $id ),
				esc_html( ucfirst( $id ) ),
				esc_attr( $name ),
				$items
			);
		}
		wp_enqueue_script( 'woo3d-test-variations', plugins_url( 'woo3d-test-variations.js', __FILE__ ), array( 'jquery' ), '1', true );
		return $content . sprintf(
			'<form class="variations_form cart" method="post" data-product_id="%1$d" data-product_variations="%2$s"><table class="variations" role="presentation"><tbody>%3$s</tbody></table><a class="reset_variations" href="#" style="visibility: hidden;">Clear</a><div class="single_variation_wrap"><div class="woocommerce-variation single_variation"></div></div></form>',
			(int) get_the_ID(),
			esc_attr( (string) wp_json_encode( $variations ) ),
			$rows
		);
	},
	30
);

// The editor's Variations box: filled over admin-ajax, as WooCommerce's `woocommerce_load_variations`.
add_action(
	'add_meta_boxes_product',
	static function ( WP_Post $post ) {
		if ( ! woo3d_test_variations( $post->ID ) ) {
			return;
		}
		add_meta_box(
			'woocommerce-product-data',
			'Product data',
			static function () use ( $post ) {
				printf(
					'<div class="woocommerce_variations wc-metaboxes" data-product-id="%d" data-nonce="%s"></div>',
					(int) $post->ID,
					esc_attr( wp_create_nonce( 'load-variations' ) )
				);
			},
			'product',
			'normal'
		);
	}
);

add_action(
	'admin_enqueue_scripts',
	static function () {
		wp_enqueue_script( 'jquery' );
		wp_add_inline_script(
			'jquery',
			"jQuery( function ( $ ) {
				const box = $( '.woocommerce_variations' );
				if ( ! box.length ) { return; }
				$.post( window.ajaxurl, { action: 'woocommerce_load_variations', product_id: box.data( 'product-id' ), security: box.data( 'nonce' ) }, function ( html ) {
					box.html( html );
					$( '#woocommerce-product-data' ).trigger( 'woocommerce_variations_loaded' );
				} );
			} );"
		);
	}
);

add_action(
	'wp_ajax_woocommerce_load_variations',
	static function () {
		check_ajax_referer( 'load-variations', 'security' );
		$product_id = isset( $_POST['product_id'] ) ? absint( $_POST['product_id'] ) : 0;
		if ( ! current_user_can( 'edit_products' ) ) {
			wp_die( -1 );
		}
		foreach ( woo3d_test_variations( $product_id ) as $loop => $variation ) {
			printf( '<div class="woocommerce_variation wc-metabox" data-variation-id="%d"><h3>#%d %s</h3><div class="woocommerce_variable_attributes wc-metabox-content"><div class="data">', (int) $variation->ID, (int) $variation->ID, esc_html( $variation->post_title ) );
			do_action( 'woocommerce_product_after_variable_attributes', $loop, get_post_meta( $variation->ID ), $variation );
			echo '</div></div></div>';
		}
		wp_die();
	}
);

add_action(
	'rest_api_init',
	static function () {
		register_rest_route(
			'wc/v3',
			'/products/(?P<product_id>\d+)/variations/(?P<id>\d+)',
			array(
				'methods'             => 'PUT, PATCH, POST',
				'permission_callback' => static function ( WP_REST_Request $request ) {
					return current_user_can( 'edit_post', (int) $request['id'] );
				},
				'callback'            => static function ( WP_REST_Request $request ) {
					$variation = get_post( (int) $request['id'] );
					if ( ! $variation || 'product_variation' !== $variation->post_type || (int) $variation->post_parent !== (int) $request['product_id'] ) {
						return new WP_Error( 'woocommerce_rest_product_variation_invalid_id', 'Invalid ID.', array( 'status' => 404 ) );
					}
					$body = $request->get_json_params();
					woo3d_test_store_update( $variation->ID, is_array( $body ) ? $body : array() );
					return rest_ensure_response( array( 'id' => $variation->ID, 'parent_id' => $variation->post_parent ) );
				},
			)
		);
	}
);
