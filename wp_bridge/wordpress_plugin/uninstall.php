<?php
/**
 * Uninstall: removes the plugin's settings; product models stay unless the admin asked for them to go.
 *
 * @package Woo3D
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

$woo3d_settings = get_option( 'woo3d_plugin_settings' );
if ( is_array( $woo3d_settings ) && ! empty( $woo3d_settings['delete_data_on_uninstall'] ) ) {
	// The media files stay in the library: the merchant may use them elsewhere.
	delete_post_meta_by_key( '_woo3d_model' );
	delete_post_meta_by_key( '_woo3d_shape' );
}
// The predecessor's `woo3d_settings` stays: it is that plugin's, and its own uninstall removes it.
delete_option( 'woo3d_plugin_settings' );
delete_option( 'woo3d_plugin_version' );
delete_option( 'woo3d_replaced_predecessor' );
delete_transient( 'woo3d_review_count' );
