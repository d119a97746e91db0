<?php
/**
 * Installs the real-store tier's site: WordPress, WooCommerce (activated and out of "coming soon"),
 * a theme, the woo3d plugin, a shop manager, WooCommerce REST keys and an application password,
 * and one product photo in the media library. Run once by the harness with `php install-woocommerce.php`;
 * reads its settings as JSON on stdin and prints what the tests need as JSON.
 *
 * @package Woo3D\Tests
 */

define( 'WP_INSTALLING', true );
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/image.php';

$woo3d_config = json_decode( (string) file_get_contents( 'php://stdin' ), true );

wp_install( 'woo3d real store', 'admin', 'admin@example.org', false, '', wp_slash( $woo3d_config['admin_password'] ) );
update_option( 'permalink_structure', '/%postname%/' );

foreach ( array( 'woocommerce/woocommerce.php', '3d-and-ar-models-for-woocommerce/3d-and-ar-models-for-woocommerce.php' ) as $woo3d_plugin ) {
	$woo3d_activated = activate_plugin( $woo3d_plugin );
	if ( is_wp_error( $woo3d_activated ) ) {
		fwrite( STDERR, $woo3d_plugin . ': ' . $woo3d_activated->get_error_message() );
		exit( 1 );
	}
}
switch_theme( $woo3d_config['theme'] );

// A new WooCommerce 10 store starts in "coming soon" mode: logged-out visitors would see a placeholder.
update_option( 'woocommerce_coming_soon', 'no' );
update_option( 'woocommerce_store_pages_only', 'no' );
update_option( 'woocommerce_dimension_unit', 'cm' );
update_option( 'woocommerce_onboarding_profile', array( 'skipped' => true ) );
update_option( 'woocommerce_task_list_hidden', 'yes' );
update_option( 'woocommerce_show_marketplace_suggestions', 'no' );
update_option( 'woocommerce_allow_tracking', 'no' );
update_option( 'woocommerce_manage_stock', 'yes' );
WC_Install::create_pages();
flush_rewrite_rules();

$woo3d_users = array( 'admin' => 1 );
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

// REST keys as WooCommerce → Settings → Advanced → REST API makes them (WC_Auth::create_keys).
global $wpdb;
$wpdb->insert(
	$wpdb->prefix . 'woocommerce_api_keys',
	array(
		'user_id'         => 1,
		'description'     => 'woo3d backend',
		'permissions'     => 'read_write',
		'consumer_key'    => wc_api_hash( $woo3d_config['consumer_key'] ),
		'consumer_secret' => $woo3d_config['consumer_secret'],
		'truncated_key'   => substr( $woo3d_config['consumer_key'], -7 ),
	)
);
list( $woo3d_app_password ) = WP_Application_Passwords::create_new_application_password( 1, array( 'name' => 'woo3d backend' ) );

$woo3d_photos = array();
foreach ( $woo3d_config['photos'] as $woo3d_photo ) {
	$woo3d_upload = wp_upload_bits( basename( $woo3d_photo ), null, (string) file_get_contents( $woo3d_photo ) );
	$woo3d_image  = wp_insert_attachment(
		array(
			'post_mime_type' => wp_check_filetype( $woo3d_upload['file'] )['type'],
			'post_title'     => pathinfo( $woo3d_photo, PATHINFO_FILENAME ),
			'post_status'    => 'inherit',
		),
		$woo3d_upload['file']
	);
	wp_update_attachment_metadata( $woo3d_image, wp_generate_attachment_metadata( $woo3d_image, $woo3d_upload['file'] ) );
	$woo3d_photos[] = $woo3d_image;
}

echo wp_json_encode(
	array(
		'app_password' => $woo3d_app_password,
		'users'        => $woo3d_users,
		'photos'       => $woo3d_photos,
	)
);
