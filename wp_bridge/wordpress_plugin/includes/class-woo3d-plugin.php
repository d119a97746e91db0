<?php
/**
 * The plugin's parts, loaded and hooked once Woo3D_Handover has made sure no older copy runs.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Defines the plugin's constants, loads its classes and hooks each into WordPress.
 */
final class Woo3D_Plugin {

	/**
	 * The plugin's version, stamped by Woo3D_Handover when its install steps have run.
	 */
	const VERSION = '0.2.0';

	/**
	 * The plugin's classes, by file under includes/.
	 */
	const FILES = array(
		'class-woo3d-settings.php',
		'class-woo3d-backend.php',
		'class-woo3d-status.php',
		'class-woo3d-glb.php',
		'class-woo3d-model.php',
		'class-woo3d-rest.php',
		'class-woo3d-bulk-result.php',
		'class-woo3d-admin.php',
		'class-woo3d-review.php',
		'class-woo3d-frontend.php',
		'class-woo3d-model-file.php',
		'class-woo3d-model-privacy.php',
		'class-woo3d-uploads.php',
		'class-woo3d-variations.php',
		'class-woo3d-duplicates.php',
		'class-woo3d-i18n.php',
	);

	/**
	 * The classes that hook themselves into WordPress.
	 */
	const HOOKED = array(
		'Woo3D_Settings',
		'Woo3D_Rest',
		'Woo3D_Admin',
		'Woo3D_Review',
		'Woo3D_Frontend',
		'Woo3D_Model_Privacy',
		'Woo3D_Uploads',
		'Woo3D_Variations',
		'Woo3D_Duplicates',
		'Woo3D_I18n',
	);

	/**
	 * Loads every part and hooks it.
	 *
	 * @param string $file The plugin's main file.
	 */
	public static function start( string $file ): void {
		define( 'WOO3D_VERSION', self::VERSION );
		define( 'WOO3D_PLUGIN_FILE', $file );
		define( 'WOO3D_PLUGIN_DIR', plugin_dir_path( $file ) );
		define( 'WOO3D_META_KEY', '_woo3d_model' );
		foreach ( self::FILES as $name ) {
			require_once __DIR__ . '/' . $name;
		}
		foreach ( self::HOOKED as $hooked ) {
			$hooked::register();
		}
		add_action( 'before_woocommerce_init', array( __CLASS__, 'declare_order_tables_compatibility' ) );
	}

	/**
	 * WooCommerce asks each plugin whether it works with its order tables (HPOS): this one never
	 * reads or writes orders, only products.
	 */
	public static function declare_order_tables_compatibility(): void {
		if ( class_exists( \Automattic\WooCommerce\Utilities\FeaturesUtil::class ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', WOO3D_PLUGIN_FILE, true );
		}
	}
}
