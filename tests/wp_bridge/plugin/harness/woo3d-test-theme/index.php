<?php
/**
 * The test theme's one template: WooCommerce's single product hook where its template fires it, the
 * theme's own spot, then the content.
 *
 * @package Woo3D\Tests
 */

defined( 'ABSPATH' ) || exit;

wp_head();
echo '<!--default-->';
do_action( 'woocommerce_before_single_product_summary' );
echo '<!--theme-->';
do_action( 'woo3d_test_theme_spot' );
echo '<!--content-->';
while ( have_posts() ) {
	the_post();
	the_content();
}
wp_footer();
