<?php
/**
 * A bulk action's result, kept server-side for the notice after its redirect.
 *
 * @package woo3d
 */

defined( 'ABSPATH' ) || exit;

/**
 * The result waits in a transient for the user who ran the action, under a random key the redirect
 * carries: a link can carry the key, never the text, so nobody can make a notice say what they like.
 */
final class Woo3D_Bulk_Result {

	/**
	 * How long a result waits for its redirect to show it.
	 */
	const TTL = 5 * MINUTE_IN_SECONDS;

	/**
	 * Keeps `$result` for the current user and returns `$redirect` carrying its key in `$arg`.
	 *
	 * @param string $redirect Where the bulk action goes afterwards.
	 * @param string $arg      The query arg that carries the key (also the transient's prefix).
	 * @param array  $result   The counts and message to show.
	 * @param array  $drop     Other query args to take off the redirect.
	 */
	public static function stash( string $redirect, string $arg, array $result, array $drop = array() ): string {
		$key = bin2hex( random_bytes( 16 ) );
		set_transient( $arg . '_' . $key, array( 'user' => get_current_user_id() ) + $result, self::TTL );
		return add_query_arg( $arg, $key, remove_query_arg( array_merge( array( $arg ), $drop ), $redirect ) );
	}

	/**
	 * The result this page's `$arg` names: once, and only for the user who ran the action.
	 *
	 * @param string $arg The query arg that carries the key.
	 * @return array|null
	 */
	public static function take( string $arg ): ?array {
		// A display-only key set by a bulk action's redirect; it changes nothing. Anything but one
		// string (?arg[]=x included) is no key.
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended
		$key = isset( $_GET[ $arg ] ) && is_string( $_GET[ $arg ] ) ? sanitize_key( wp_unslash( $_GET[ $arg ] ) ) : '';
		if ( ! preg_match( '/^[0-9a-f]{32}$/', $key ) ) {
			return null;
		}
		$result = get_transient( $arg . '_' . $key );
		if ( ! is_array( $result ) || get_current_user_id() !== (int) $result['user'] ) {
			return null;
		}
		delete_transient( $arg . '_' . $key );
		return $result;
	}
}
