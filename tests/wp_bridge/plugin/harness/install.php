<?php
/**
 * Installs the test site: WordPress, pretty permalinks, the woo3d plugin, users, credentials and
 * products. Run once by the test harness with `php install.php`; prints what the tests need as JSON.
 *
 * @package Woo3D\Tests
 */

define( 'WP_INSTALLING', true );
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/image.php';

$woo3d_config = json_decode( (string) file_get_contents( 'php://stdin' ), true );

wp_install( 'woo3d test store', 'admin', 'admin@example.org', false, '', wp_slash( $woo3d_config['admin_password'] ) );
update_option( 'permalink_structure', '/%postname%/' );
woo3d_test_store_install();
// The product post type and its rewrite rules exist once init has run with the mu-plugin.
do_action( 'init' );
flush_rewrite_rules();

$woo3d_activated = activate_plugin( '3d-and-ar-models-for-woocommerce/3d-and-ar-models-for-woocommerce.php' );
if ( is_wp_error( $woo3d_activated ) ) {
	fwrite( STDERR, $woo3d_activated->get_error_message() );
	exit( 1 );
}

$woo3d_users = array();
foreach ( array( 'customer', 'shop_manager' ) as $woo3d_role ) {
	$woo3d_users[ $woo3d_role ] = wp_insert_user(
		array(
			'user_login' => $woo3d_role,
			'user_pass'  => $woo3d_config['admin_password'],
			'user_email' => $woo3d_role . '@example.org',
			'role'       => $woo3d_role,
		)
	);
}

list( $woo3d_app_password ) = WP_Application_Passwords::create_new_application_password( 1, array( 'name' => 'woo3d backend' ) );
update_option( 'woo3d_test_wc_consumer_key', $woo3d_config['consumer_key'] );
update_option( 'woo3d_test_wc_consumer_secret', $woo3d_config['consumer_secret'] );
update_option( 'woo3d_test_wc_user_id', 1 );
update_option( 'woocommerce_dimension_unit', 'cm' );

$woo3d_products = array();
foreach ( $woo3d_config['products'] as $woo3d_product ) {
	$woo3d_id = wp_insert_post(
		array(
			'post_type'    => 'product',
			'post_status'  => 'publish',
			'post_title'   => $woo3d_product['name'],
			'post_content' => $woo3d_product['description'],
			'post_author'  => 1,
		),
		true
	);
	foreach ( $woo3d_product['dimensions'] as $woo3d_axis => $woo3d_value ) {
		update_post_meta( $woo3d_id, '_' . $woo3d_axis, $woo3d_value );
	}
	update_post_meta( $woo3d_id, '_price', '19.90' );
	if ( ! empty( $woo3d_product['image'] ) ) {
		$woo3d_upload = wp_upload_bits( basename( $woo3d_product['image'] ), null, (string) file_get_contents( $woo3d_product['image'] ) );
		$woo3d_image  = wp_insert_attachment(
			array(
				'post_mime_type' => wp_check_filetype( $woo3d_upload['file'] )['type'],
				'post_title'     => $woo3d_product['name'],
				'post_status'    => 'inherit',
			),
			$woo3d_upload['file'],
			$woo3d_id
		);
		wp_update_attachment_metadata( $woo3d_image, wp_generate_attachment_metadata( $woo3d_image, $woo3d_upload['file'] ) );
		set_post_thumbnail( $woo3d_id, $woo3d_image );
	}
	$woo3d_products[] = $woo3d_id;
}

echo wp_json_encode(
	array(
		'app_password' => $woo3d_app_password,
		'users'        => $woo3d_users,
		'products'     => $woo3d_products,
	)
);
