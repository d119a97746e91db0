<?php
/**
 * Translations: the PHP strings load from WordPress's language packs, the scripts' through wp.i18n.
 *
 * @package woo3d
 */

defined( 'ABSPATH' ) || exit;

/**
 * Gives the scripts that call wp.i18n their translations (languages/3d-and-ar-models-for-woocommerce-LOCALE-HASH.json, or
 * WordPress's language packs); the other admin scripts get theirs through wp_localize_script().
 */
final class Woo3D_I18n {

	/**
	 * The script handles whose code calls wp.i18n.__() (the block's editor script, registered on init).
	 */
	const SCRIPTS = array( 'woo3d-block-editor' );

	/**
	 * Hooks after the scripts are registered.
	 */
	public static function register(): void {
		add_action( 'init', array( __CLASS__, 'set_script_translations' ), 20 );
	}

	/**
	 * Points each registered script at the plugin's translations.
	 */
	public static function set_script_translations(): void {
		foreach ( self::SCRIPTS as $handle ) {
			if ( wp_script_is( $handle, 'registered' ) ) {
				wp_set_script_translations( $handle, '3d-and-ar-models-for-woocommerce', WOO3D_PLUGIN_DIR . 'languages' );
			}
		}
	}
}
