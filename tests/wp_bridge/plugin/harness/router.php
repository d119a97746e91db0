<?php
/**
 * Router for `php -S`: existing files and directories are served as they are, every other path
 * goes to WordPress's index.php (what Apache's rewrite rules do for pretty permalinks).
 *
 * @package Woo3D\Tests
 */

$woo3d_path = (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ); // phpcs:ignore
if ( '/' !== $woo3d_path && file_exists( __DIR__ . $woo3d_path ) ) {
	return false;
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = __DIR__ . '/index.php';
require __DIR__ . '/index.php';
