<?php
/**
 * Taking over from the plugin's predecessor, "woo3d" 0.1 (slug and text domain `woo3d`), which
 * WordPress.org could not list under that name. Stores that ran it keep their settings and models.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Boots the plugin once every plugin is loaded, unless the predecessor is loaded too: the two share
 * their class names, the `_woo3d_*` meta and the backend's REST contract, so only one may run. Then
 * this one deactivates the predecessor (for the next request) and stays idle for this one.
 *
 * The predecessor's uninstall.php deletes `woo3d_settings`, and every product's model meta when
 * its "delete on uninstall" box was ticked. The settings therefore move to an option of their own,
 * and the predecessor's copy loses that box, so deleting the old plugin deletes no model.
 */
final class Woo3D_Handover {

	/**
	 * The predecessor's text domain, which its plugin header names.
	 */
	const PREDECESSOR_TEXT_DOMAIN = 'woo3d';

	/**
	 * The predecessor's option, read once into Woo3D_Settings::OPTION.
	 */
	const PREDECESSOR_OPTION = 'woo3d_settings';

	/**
	 * The version whose install steps ran last; any other value runs them again (activation, update).
	 */
	const VERSION_OPTION = 'woo3d_plugin_version';

	/**
	 * Set when the predecessor was deactivated, until an administrator has been told.
	 */
	const NOTICE_OPTION = 'woo3d_replaced_predecessor';

	/**
	 * This plugin's main file.
	 *
	 * @var string
	 */
	private static $file = '';

	/**
	 * Hooks the boot and the hand-over; called from the main file, before any other plugin ran.
	 *
	 * @param string $file The plugin's main file.
	 */
	public static function register( string $file ): void {
		self::$file = $file;
		add_action( 'plugins_loaded', array( __CLASS__, 'boot' ), 0 );
		add_filter( 'plugin_action_links', array( __CLASS__, 'predecessor_links' ), 10, 3 );
		add_action( 'pre_uninstall_plugin', array( __CLASS__, 'before_predecessor_uninstall' ) );
		add_action( 'admin_notices', array( __CLASS__, 'notice' ) );
		register_activation_hook( $file, array( __CLASS__, 'activate' ) );
		register_deactivation_hook( $file, array( __CLASS__, 'deactivate' ) );
	}

	/**
	 * Whether the predecessor's main file ran in this request (it defines the constants at load).
	 */
	public static function predecessor_loaded(): bool {
		return defined( 'WOO3D_PLUGIN_FILE' ) && ! defined( 'WOO3D_HANDOVER_BOOTED' );
	}

	/**
	 * Loads and starts the plugin; with the predecessor loaded, deactivates it instead.
	 */
	public static function boot(): void {
		if ( self::predecessor_loaded() ) {
			self::deactivate_predecessor();
			return;
		}
		define( 'WOO3D_HANDOVER_BOOTED', true );
		require_once __DIR__ . '/class-woo3d-plugin.php';
		Woo3D_Plugin::start( self::$file );
		add_action( 'init', array( __CLASS__, 'install_once' ), 0 );
	}

	/**
	 * Runs the install steps on the first load of this version (on init: writing `.htaccess` needs
	 * WordPress's locale, which is not set up while plugins load).
	 */
	public static function install_once(): void {
		if ( get_option( self::VERSION_OPTION ) !== WOO3D_VERSION ) {
			self::install();
		}
	}

	/**
	 * Activation: the install steps, or, with the predecessor loaded, its deactivation; then the
	 * install steps run on the next load, where this plugin's classes are the ones loaded.
	 */
	public static function activate(): void {
		if ( self::predecessor_loaded() ) {
			self::deactivate_predecessor();
			delete_option( self::VERSION_OPTION );
			return;
		}
		if ( ! defined( 'WOO3D_HANDOVER_BOOTED' ) ) {
			self::boot();
		}
		self::install();
	}

	/**
	 * Deactivation: takes the uploads folder's `.htaccess` lines away, if this plugin wrote them.
	 */
	public static function deactivate(): void {
		if ( defined( 'WOO3D_HANDOVER_BOOTED' ) ) {
			Woo3D_Uploads::remove_htaccess();
		}
		delete_option( self::VERSION_OPTION );
	}

	/**
	 * The steps of a first load after activation or an update: the settings carried over from the
	 * predecessor, and the uploads folder's `.htaccess` lines.
	 */
	public static function install(): void {
		$inherited = get_option( self::PREDECESSOR_OPTION );
		if ( is_array( $inherited ) ) {
			add_option( Woo3D_Settings::OPTION, $inherited );
			$inherited['delete_data_on_uninstall'] = false;
			update_option( self::PREDECESSOR_OPTION, $inherited );
		}
		Woo3D_Uploads::write_htaccess();
		update_option( self::VERSION_OPTION, WOO3D_VERSION );
	}

	/**
	 * Deactivates the predecessor without its deactivation hook, which would take away the
	 * `.htaccess` lines this plugin keeps, and remembers to tell an administrator.
	 */
	private static function deactivate_predecessor(): void {
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		$predecessor = plugin_basename( (string) constant( 'WOO3D_PLUGIN_FILE' ) );
		deactivate_plugins( $predecessor, true );
		update_option( self::NOTICE_OPTION, $predecessor, false );
	}

	/**
	 * In the plugins list, the predecessor's row says what replaced it instead of offering "Activate"
	 * (its classes are this plugin's, so activating it beside this one would fail).
	 *
	 * @param mixed  $actions     The row's links.
	 * @param string $plugin_file The plugin's file, relative to the plugins folder.
	 * @param mixed  $plugin_data Its header.
	 * @return array
	 */
	public static function predecessor_links( $actions, $plugin_file, $plugin_data ): array {
		$actions = is_array( $actions ) ? $actions : array();
		if ( ! self::is_predecessor( $plugin_data ) ) {
			return $actions;
		}
		unset( $actions['activate'] );
		$actions['woo3d_replaced'] = esc_html__( 'Replaced by 3D and AR Models for WooCommerce, which keeps its settings and models: you may delete it.', '3d-and-ar-models-for-woocommerce' );
		return $actions;
	}

	/**
	 * Before the predecessor's uninstall.php runs: its settings, which this plugin has copied, go
	 * first, so it finds no "delete every model" choice to act on.
	 *
	 * @param mixed $plugin The plugin being uninstalled, relative to the plugins folder.
	 */
	public static function before_predecessor_uninstall( $plugin ): void {
		$main = WP_PLUGIN_DIR . '/' . (string) $plugin;
		if ( ! is_string( $plugin ) || ! is_file( $main ) || ! function_exists( 'get_plugin_data' ) ) {
			return;
		}
		if ( self::is_predecessor( get_plugin_data( $main, false, false ) ) ) {
			delete_option( self::PREDECESSOR_OPTION );
		}
	}

	/**
	 * Tells an administrator, once, that the predecessor was deactivated and what carried over.
	 */
	public static function notice(): void {
		$predecessor = get_option( self::NOTICE_OPTION );
		if ( ! is_string( $predecessor ) || ! current_user_can( 'activate_plugins' ) ) {
			return;
		}
		delete_option( self::NOTICE_OPTION );
		printf(
			'<div class="notice notice-info is-dismissible"><p>%s</p></div>',
			esc_html(
				sprintf(
					/* translators: %s: the old plugin's file, e.g. woo3d/woo3d.php. */
					__( '3D and AR Models for WooCommerce replaces the woo3d plugin (%s), so it was deactivated. Its settings and every product\'s 3D model carried over; you may delete it.', '3d-and-ar-models-for-woocommerce' ),
					$predecessor
				)
			)
		);
	}

	/**
	 * Whether a plugin header is the predecessor's.
	 *
	 * @param mixed $plugin_data A plugin header as get_plugin_data() reads it.
	 */
	private static function is_predecessor( $plugin_data ): bool {
		return is_array( $plugin_data ) && isset( $plugin_data['TextDomain'] )
			&& self::PREDECESSOR_TEXT_DOMAIN === $plugin_data['TextDomain'];
	}
}
