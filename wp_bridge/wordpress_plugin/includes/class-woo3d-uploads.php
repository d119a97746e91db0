<?php
/**
 * Media library: accept GLB and USDZ uploads (WordPress refuses both by default) from users who may upload.
 *
 * Both filters are needed: `upload_mimes` alone still fails, because PHP's fileinfo reports GLB as
 * application/octet-stream and USDZ as application/zip, which `wp_check_filetype_and_ext` rejects.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Adds the two 3D types and verifies their magic bytes.
 */
final class Woo3D_Uploads {

	const TYPES = array(
		'glb'  => 'model/gltf-binary',
		'usdz' => 'model/vnd.usdz+zip',
	);

	/**
	 * First bytes of each type: GLB's binary glTF header, USDZ's zip local file header.
	 */
	const MAGIC = array(
		'glb'  => 'glTF',
		'usdz' => "PK\x03\x04",
	);

	/**
	 * Hooks the upload filters.
	 */
	public static function register(): void {
		add_filter( 'upload_mimes', array( __CLASS__, 'allow_types' ), 10, 2 );
		add_filter( 'wp_check_filetype_and_ext', array( __CLASS__, 'check_file' ), 10, 4 );
	}

	/**
	 * Adds GLB and USDZ for users who can upload files.
	 *
	 * @param array                 $mimes Extension patterns to MIME types.
	 * @param int|WP_User|null|bool $user  The user the list is for; the current user when absent.
	 */
	public static function allow_types( array $mimes, $user = null ): array {
		if ( ! self::may_upload( $user ) ) {
			return $mimes;
		}
		return array_merge( $mimes, self::TYPES );
	}

	/**
	 * Accepts a .glb/.usdz file whose first bytes match its extension.
	 *
	 * @param array       $data     `ext`, `type`, `proper_filename` as WordPress found them.
	 * @param string      $file     Path of the uploaded file.
	 * @param string      $filename The file's name.
	 * @param array|null  $mimes    The allowed types, or null for the user's.
	 */
	public static function check_file( array $data, $file, $filename, $mimes ): array {
		$ext = strtolower( (string) pathinfo( (string) $filename, PATHINFO_EXTENSION ) );
		if ( ! isset( self::TYPES[ $ext ] ) || ( ! empty( $data['ext'] ) && ! empty( $data['type'] ) ) ) {
			return $data;
		}
		$allowed = is_array( $mimes ) ? $mimes : get_allowed_mime_types();
		if ( ! in_array( self::TYPES[ $ext ], $allowed, true ) || ! self::has_magic( (string) $file, self::MAGIC[ $ext ] ) ) {
			return $data;
		}
		return array(
			'ext'             => $ext,
			'type'            => self::TYPES[ $ext ],
			'proper_filename' => false,
		);
	}

	/**
	 * Whether the user (default: the current one) has upload_files.
	 *
	 * @param int|WP_User|null|bool $user A user, an id, or nothing.
	 */
	private static function may_upload( $user ): bool {
		if ( $user instanceof WP_User ) {
			return $user->has_cap( 'upload_files' );
		}
		if ( is_int( $user ) && $user > 0 ) {
			return user_can( $user, 'upload_files' );
		}
		return current_user_can( 'upload_files' );
	}

	/**
	 * Whether a file starts with the given bytes.
	 *
	 * @param string $path  The file.
	 * @param string $magic The expected first bytes.
	 */
	private static function has_magic( string $path, string $magic ): bool {
		if ( '' === $path || ! is_readable( $path ) ) {
			return false;
		}
		// phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- a local upload's first bytes.
		return file_get_contents( $path, false, null, 0, strlen( $magic ) ) === $magic;
	}
}
