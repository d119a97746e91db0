<?php
/**
 * WooCommerce's Products → Duplicate: the copy starts without the original's 3D model.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * The `_woo3d_model` meta names the original's files (attachment ids and URLs): a copy that kept it
 * would show them, and its own first model would replace them. The merchant's choices (the shape,
 * the opt-out) describe the product, as its text does, and are copied like it.
 */
final class Woo3D_Duplicates {

	/**
	 * Hooks into WooCommerce's duplicate action.
	 */
	public static function register(): void {
		add_filter( 'woocommerce_duplicate_product_exclude_meta', array( __CLASS__, 'exclude_model' ) );
	}

	/**
	 * Adds the model meta to the keys WooCommerce leaves out of a duplicate (and of its variations).
	 *
	 * @param mixed $keys Meta keys WooCommerce will not copy.
	 * @return array
	 */
	public static function exclude_model( $keys ): array {
		$keys   = is_array( $keys ) ? $keys : array();
		$keys[] = WOO3D_META_KEY;
		return $keys;
	}
}
