<?php
/**
 * The test theme's functions.php: filters woo3d's placement as a theme would, after the plugins have
 * loaded (from `init`), with the value the test left in the `woo3d_test_placement` option.
 *
 * @package Woo3D\Tests
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'init',
	static function () {
		add_filter(
			'woo3d_single_product_placement',
			static function ( $placement ) {
				return get_option( 'woo3d_test_placement', $placement );
			}
		);
	}
);

// Marks around the theme's own spot, to show the priority is kept.
foreach ( array( 5, 15 ) as $woo3d_test_priority ) {
	add_action(
		'woo3d_test_theme_spot',
		static function () use ( $woo3d_test_priority ) {
			echo '<!--spot-' . (int) $woo3d_test_priority . '-->';
		},
		$woo3d_test_priority
	);
}
