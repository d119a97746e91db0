<?php
/**
 * Plugin Name: woo3d test loopback
 * Description: Lets the test store's webhooks reach a woo3d on this machine, and leaves Action Scheduler to the tests.
 *
 * WordPress's safe HTTP refuses private addresses and ports other than 80/443/8080; the tier's woo3d
 * listens on a free loopback port. Action Scheduler runs when the tests say so (run-due-actions), not
 * in an async request of its own, so a test knows when WooCommerce has delivered.
 *
 * @package Woo3D\Tests
 */

defined( 'ABSPATH' ) || exit;

add_filter(
	'http_request_host_is_external',
	static function ( $external, $host ) {
		return in_array( $host, array( '127.0.0.1', 'localhost' ), true ) ? true : $external;
	},
	10,
	2
);

add_filter(
	'http_allowed_safe_ports',
	static function ( $ports, $host, $url ) {
		$port = wp_parse_url( $url, PHP_URL_PORT );
		if ( in_array( $host, array( '127.0.0.1', 'localhost' ), true ) && $port ) {
			$ports[] = (int) $port;
		}
		return $ports;
	},
	10,
	3
);

add_filter( 'action_scheduler_allow_async_request_runner', '__return_false' );
