<?php
/**
 * Which geometry codec a model's GLB needs (meshopt, Draco or none), read from the file's glTF header.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * The storefront loads only the decoder a model needs: model-viewer fetches the meshopt decoder as
 * soon as it is told where it is, so the loader tells it only for a meshopt model. The answer comes
 * from the GLB in the media library, never from its URL: the meta's attachment id must be an
 * attachment whose URL is the meta's GLB URL (the store's meta is input, others can edit it).
 */
final class Woo3D_Glb {

	const MESHOPT = 'EXT_meshopt_compression';

	const DRACO = 'KHR_draco_mesh_compression';

	/**
	 * The glTF JSON chunk read at most (a generated model's is a few KB).
	 */
	const MAX_JSON = 1048576;

	/**
	 * Answers per attachment for this request.
	 *
	 * @var array<int, string>
	 */
	private static $known = array();

	/**
	 * "meshopt", "draco", "none", or "" when unknown (no local file, unreadable).
	 *
	 * @param int $attachment_id The GLB's attachment, checked by the caller (Woo3D_Model::attachment).
	 */
	public static function codec( int $attachment_id ): string {
		if ( $attachment_id <= 0 ) {
			return '';
		}
		if ( ! isset( self::$known[ $attachment_id ] ) ) {
			self::$known[ $attachment_id ] = self::read( (string) get_attached_file( $attachment_id ) );
		}
		return self::$known[ $attachment_id ];
	}

	/**
	 * The codec a GLB file's JSON chunk names in `extensionsUsed`, or '' when it is no readable GLB.
	 *
	 * @param string $path The file.
	 */
	public static function read( string $path ): string {
		if ( '' === $path || ! is_file( $path ) || ! is_readable( $path ) ) {
			return '';
		}
		// phpcs:disable WordPress.WP.AlternativeFunctions -- a few bytes of a local file; WP_Filesystem reads whole files.
		$handle = fopen( $path, 'rb' );
		if ( false === $handle ) {
			return '';
		}
		$head = (string) fread( $handle, 20 );
		$json = '';
		if ( 20 === strlen( $head ) && 'glTF' === substr( $head, 0, 4 ) && 'JSON' === substr( $head, 16, 4 ) ) {
			$length = unpack( 'V', substr( $head, 12, 4 ) )[1];
			$json   = $length > 0 && $length <= self::MAX_JSON ? (string) fread( $handle, $length ) : '';
		}
		fclose( $handle );
		// phpcs:enable
		$gltf = json_decode( $json, true );
		if ( ! is_array( $gltf ) ) {
			return '';
		}
		$used = isset( $gltf['extensionsUsed'] ) && is_array( $gltf['extensionsUsed'] ) ? $gltf['extensionsUsed'] : array();
		if ( in_array( self::MESHOPT, $used, true ) ) {
			return 'meshopt';
		}
		return in_array( self::DRACO, $used, true ) ? 'draco' : 'none';
	}
}
