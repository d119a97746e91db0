<?php
/**
 * Media library: accept GLB and USDZ uploads (WordPress refuses both by default) from users who may
 * upload, but only real ones, on every upload path, served so that browsers never sniff them.
 *
 * `upload_mimes` alone is not enough: PHP's fileinfo reports GLB as application/octet-stream and
 * USDZ as application/zip, which `wp_check_filetype_and_ext` rejects, so that filter grants the
 * type once the file's structure checks out. The upload prefilters give the precise reason for a
 * refusal, and `wp_upload_bits` (XML-RPC's path, which runs none of the upload checks) gets the
 * same check on its bytes.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Adds the two 3D types, verifies each file's structure and name, and marks them nosniff.
 */
final class Woo3D_Uploads {

	const TYPES = array(
		'glb'  => 'model/gltf-binary',
		'usdz' => 'model/vnd.usdz+zip',
	);

	/**
	 * The marker of woo3d's lines in the uploads folder's .htaccess.
	 */
	const HTACCESS_MARKER = 'woo3d';

	/**
	 * The block woo3d writes in that .htaccess: the types (older mime.types lack them) and nosniff.
	 */
	const HTACCESS_LINES = array(
		'<IfModule mod_mime.c>',
		'	AddType model/gltf-binary .glb',
		'	AddType model/vnd.usdz+zip .usdz',
		'</IfModule>',
		'<IfModule mod_headers.c>',
		'	<FilesMatch "\.(?i:glb|usdz)$">',
		'		Header set X-Content-Type-Options "nosniff"',
		'	</FilesMatch>',
		'</IfModule>',
	);

	/**
	 * Hooks the upload filters.
	 */
	public static function register(): void {
		add_filter( 'upload_mimes', array( __CLASS__, 'allow_types' ), 10, 2 );
		add_filter( 'wp_check_filetype_and_ext', array( __CLASS__, 'check_file' ), 10, 4 );
		add_filter( 'wp_handle_upload_prefilter', array( __CLASS__, 'prefilter' ) );
		add_filter( 'wp_handle_sideload_prefilter', array( __CLASS__, 'prefilter' ) );
		add_filter( 'wp_upload_bits', array( __CLASS__, 'check_bits' ) );
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
	 * Grants the 3D type to a .glb/.usdz file with one extension and a well-formed structure.
	 *
	 * @param array      $data     `ext`, `type`, `proper_filename` as WordPress found them.
	 * @param string     $file     Path of the uploaded file.
	 * @param string     $filename The file's name.
	 * @param array|null $mimes    The allowed types, or null for the user's.
	 */
	public static function check_file( array $data, $file, $filename, $mimes ): array {
		$ext = self::extension( (string) $filename );
		if ( '' === $ext ) {
			return $data;
		}
		$allowed = is_array( $mimes ) ? $mimes : get_allowed_mime_types();
		if ( ! in_array( self::TYPES[ $ext ], $allowed, true ) || '' !== self::problem_with_file( (string) $file, (string) $filename ) ) {
			return array(
				'ext'             => false,
				'type'            => false,
				'proper_filename' => false,
			);
		}
		return array(
			'ext'             => $ext,
			'type'            => self::TYPES[ $ext ],
			'proper_filename' => false,
		);
	}

	/**
	 * Refuses a malformed or double-extension GLB/USDZ before WordPress stores it, saying why.
	 *
	 * @param array $file `name`, `tmp_name`… of the upload (from $_FILES or a sideload).
	 */
	public static function prefilter( $file ) {
		if ( ! is_array( $file ) || ! isset( $file['name'], $file['tmp_name'] ) || ! empty( $file['error'] ) ) {
			return $file;
		}
		$problem = self::problem_with_file( (string) $file['tmp_name'], (string) $file['name'] );
		if ( '' !== $problem ) {
			$file['error'] = $problem;
		}
		return $file;
	}

	/**
	 * The same checks for `wp_upload_bits`: a string (the error) refuses the file.
	 *
	 * @param array|string $upload `name`, `bits`, `time`, or an earlier filter's error.
	 * @return array|string
	 */
	public static function check_bits( $upload ) {
		if ( ! is_array( $upload ) || ! isset( $upload['name'], $upload['bits'] ) ) {
			return $upload;
		}
		$name    = (string) $upload['name'];
		$ext     = self::extension( $name );
		$problem = '' === $ext ? '' : self::name_problem( $name );
		if ( '' === $problem && '' !== $ext ) {
			$problem = Woo3D_Model_File::problem_with_bytes( (string) $upload['bits'], $ext );
		}
		return '' === $problem ? $upload : $problem;
	}

	/**
	 * Tells web servers that read `.htaccess` (Apache, LiteSpeed) to serve GLB and USDZ with their
	 * own types and `X-Content-Type-Options: nosniff`, so a browser never renders one as HTML.
	 * Runs on activation, into the uploads folder's `.htaccess` between woo3d's markers.
	 */
	public static function write_htaccess(): bool {
		return self::put_htaccess( self::HTACCESS_LINES );
	}

	/**
	 * Removes woo3d's lines from the uploads folder's `.htaccess` (on deactivation).
	 */
	public static function remove_htaccess(): bool {
		return self::put_htaccess( array() );
	}

	/**
	 * Replaces woo3d's block in the uploads folder's `.htaccess` with WordPress's own helper.
	 *
	 * @param string[] $lines The block's lines; none removes it.
	 */
	private static function put_htaccess( array $lines ): bool {
		require_once ABSPATH . 'wp-admin/includes/misc.php';
		$uploads = wp_upload_dir( null, array() !== $lines );
		$path    = trailingslashit( $uploads['basedir'] ) . '.htaccess';
		if ( ! empty( $uploads['error'] ) || ( array() === $lines && ! file_exists( $path ) ) ) {
			return array() === $lines;
		}
		return insert_with_markers( $path, self::HTACCESS_MARKER, $lines );
	}

	/**
	 * What is wrong with an uploaded .glb/.usdz (name, then structure); '' for other files.
	 *
	 * @param string $path     The file on disk.
	 * @param string $filename The name it was uploaded under.
	 */
	private static function problem_with_file( string $path, string $filename ): string {
		$ext = self::extension( $filename );
		if ( '' === $ext ) {
			return '';
		}
		$problem = self::name_problem( $filename );
		return '' !== $problem ? $problem : Woo3D_Model_File::problem_with_file( $path, $ext );
	}

	/**
	 * A 3D file may carry one extension only: `evil.php.glb` or `x.svg.usdz` could be run or
	 * rendered by a server that maps every extension of a name (Apache's mod_mime does).
	 * An inner part counts as an extension by WordPress's own test in sanitize_file_name()
	 * (2–5 letters and an optional digit), also after WordPress appended its `_` to it.
	 *
	 * @param string $filename The uploaded name.
	 */
	private static function name_problem( string $filename ): string {
		$parts = explode( '.', wp_basename( $filename ) );
		foreach ( array_slice( $parts, 1, -1 ) as $part ) {
			if ( preg_match( '/^[a-z]{2,5}\d?_?$/i', $part ) ) {
				/* translators: 1: the file name, 2: its extension. */
				return sprintf( __( '%1$s has more than one extension: rename it (for example model.%2$s) and upload it again.', '3d-and-ar-models-for-woocommerce' ), wp_basename( $filename ), self::extension( $filename ) );
			}
		}
		return '';
	}

	/**
	 * 'glb' or 'usdz' when the name ends so, else ''.
	 *
	 * @param string $filename A file name.
	 */
	private static function extension( string $filename ): string {
		$ext = strtolower( (string) pathinfo( $filename, PATHINFO_EXTENSION ) );
		return isset( self::TYPES[ $ext ] ) ? $ext : '';
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
}
