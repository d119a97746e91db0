<?php
/**
 * Plugin Name:       3D and AR Models for WooCommerce
 * Plugin URI:        https://github.com/woo3d/woo3d
 * Description:       Shows each product's 3D model (with AR on phones) in the product gallery and lets shop managers generate it with the woo3d backend.
 * Version:           0.2.0
 * Requires at least: 6.1
 * Requires PHP:      8.0
 * Requires Plugins:  woocommerce
 * Author:            woo3d
 * License:           MIT
 * License URI:       https://opensource.org/licenses/MIT
 * Text Domain:       3d-and-ar-models-for-woocommerce
 * Domain Path:       /languages
 * WC requires at least: 7.1
 * WC tested up to:   10.0
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/includes/class-woo3d-handover.php';

Woo3D_Handover::register( __FILE__ );
