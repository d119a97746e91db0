<?php
/**
 * Uninstall: removes the plugin's settings; product models stay unless the admin asked for them to go.
 *
 * @package Woo3D
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

$woo3d_settings = get_option( 'woo3d_settings' );
if ( is_array( $woo3d_settings ) && ! empty( $woo3d_settings['delete_data_on_uninstall'] ) ) {
	// The media files stay in the library: the merchant may use them elsewhere.
	delete_post_meta_by_key( '_woo3d_model' );
	delete_post_meta_by_key( '_woo3d_shape' );
}
delete_option( 'woo3d_settings' );
delete_transient( 'woo3d_review_count' );
