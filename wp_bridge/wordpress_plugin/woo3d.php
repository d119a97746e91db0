<?php
/**
 * Plugin Name:       woo3d — 3D and AR product models
 * Plugin URI:        https://github.com/woo3d/woo3d
 * Description:       Shows each product's 3D model (with AR on phones) on the product page and lets shop managers generate it with the woo3d backend.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.0
 * Requires Plugins:  woocommerce
 * Author:            woo3d
 * License:           MIT
 * License URI:       https://opensource.org/licenses/MIT
 * Text Domain:       woo3d
 * Domain Path:       /languages
 * WC requires at least: 7.1
 * WC tested up to:   10.0
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

define( 'WOO3D_VERSION', '0.1.0' );
define( 'WOO3D_PLUGIN_FILE', __FILE__ );
define( 'WOO3D_PLUGIN_DIR', plugin_dir_path( __FILE__ ) );
define( 'WOO3D_META_KEY', '_woo3d_model' );

require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-settings.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-backend.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-status.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-glb.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-model.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-rest.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-bulk-result.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-admin.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-review.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-frontend.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-model-file.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-model-privacy.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-uploads.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-variations.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-duplicates.php';
require_once WOO3D_PLUGIN_DIR . 'includes/class-woo3d-i18n.php';

Woo3D_Settings::register();
Woo3D_Rest::register();
Woo3D_Admin::register();
Woo3D_Review::register();
Woo3D_Frontend::register();
Woo3D_Model_Privacy::register();
Woo3D_Uploads::register();
Woo3D_Variations::register();
Woo3D_Duplicates::register();
Woo3D_I18n::register();

// WooCommerce asks each plugin whether it works with its order tables (HPOS): woo3d never reads or
// writes orders, only products.
add_action(
	'before_woocommerce_init',
	static function () {
		if ( class_exists( \Automattic\WooCommerce\Utilities\FeaturesUtil::class ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', WOO3D_PLUGIN_FILE, true );
		}
	}
);

register_activation_hook( __FILE__, array( 'Woo3D_Uploads', 'write_htaccess' ) );
register_deactivation_hook( __FILE__, array( 'Woo3D_Uploads', 'remove_htaccess' ) );
