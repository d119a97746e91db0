<?php
/**
 * Structural checks of GLB and USDZ files, so that only real 3D files enter the media library.
 *
 * A file's first bytes prove nothing (`glTF<?php …` starts like a GLB), so each check walks the
 * container: GLB's header and chunks (glTF 2.0, "Binary glTF Layout") and USDZ's zip directory
 * (the USDZ specification: a zip whose entries are stored uncompressed, the first a USD layer,
 * the others USD layers, images or audio). The zip directory is read here because PHP's zip
 * extension is optional (stock Debian PHP lacks it) and WordPress's PclZip hides each entry's
 * compression method.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Says what is wrong with a GLB or USDZ file, or nothing when it is well-formed.
 */
final class Woo3D_Model_File {

	const GLB_MAGIC  = 'glTF';
	const JSON_CHUNK = 0x4E4F534A;
	const BIN_CHUNK  = 0x004E4942;

	/**
	 * The first bytes each entry type of a USDZ package must start with (offset => bytes), per the
	 * USDZ specification's list of allowed file types.
	 */
	const USDZ_ENTRY_MAGIC = array(
		'usdc' => array( array( 0, 'PXR-USDC' ) ),
		'usda' => array( array( 0, '#usda ' ) ),
		'usd'  => array( array( 0, 'PXR-USDC' ), array( 0, '#usda ' ) ),
		'png'  => array( array( 0, "\x89PNG\r\n\x1a\n" ) ),
		'jpg'  => array( array( 0, "\xFF\xD8\xFF" ) ),
		'jpeg' => array( array( 0, "\xFF\xD8\xFF" ) ),
		'exr'  => array( array( 0, "\x76\x2F\x31\x01" ) ),
		'avif' => array( array( 4, 'ftyp' ) ),
		'm4a'  => array( array( 4, 'ftyp' ) ),
		'mp3'  => array( array( 0, 'ID3' ), array( 0, "\xFF\xFB" ), array( 0, "\xFF\xF3" ), array( 0, "\xFF\xF2" ) ),
		'wav'  => array( array( 0, 'RIFF' ) ),
	);

	/**
	 * The USD layer types a package may start with.
	 */
	const USD_LAYERS = array( 'usd', 'usda', 'usdc' );

	const ZIP_LOCAL_HEADER   = "PK\x03\x04";
	const ZIP_CENTRAL_HEADER = "PK\x01\x02";
	const ZIP_END            = "PK\x05\x06";
	const ZIP_END_SIZE       = 22;
	const ZIP_MAX_COMMENT    = 65535;

	/**
	 * What is wrong with a file on disk, '' when it is a well-formed file of that type.
	 *
	 * @param string $path The file.
	 * @param string $ext  'glb' or 'usdz'.
	 */
	public static function problem_with_file( string $path, string $ext ): string {
		// phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_fopen -- a local upload, read in place.
		$stream = '' !== $path && is_readable( $path ) ? fopen( $path, 'rb' ) : false;
		if ( false === $stream ) {
			return __( 'The uploaded file could not be read.', '3d-and-ar-models-for-woocommerce' );
		}
		try {
			return self::problem( $stream, $ext );
		} finally {
			fclose( $stream ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_fclose
		}
	}

	/**
	 * What is wrong with a file given as bytes, '' when it is well-formed.
	 *
	 * @param string $bytes The file's content.
	 * @param string $ext   'glb' or 'usdz'.
	 */
	public static function problem_with_bytes( string $bytes, string $ext ): string {
		// phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_fopen -- an in-memory stream.
		$stream = fopen( 'php://temp', 'r+b' );
		fwrite( $stream, $bytes ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_fwrite
		rewind( $stream );
		try {
			return self::problem( $stream, $ext );
		} finally {
			fclose( $stream ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_fclose
		}
	}

	/**
	 * Dispatches on the type.
	 *
	 * @param resource $stream A seekable stream positioned anywhere.
	 * @param string   $ext    'glb' or 'usdz'.
	 */
	private static function problem( $stream, string $ext ): string {
		$size = (int) fstat( $stream )['size'];
		return 'glb' === $ext ? self::glb_problem( $stream, $size ) : self::usdz_problem( $stream, $size );
	}

	/**
	 * A GLB: 12-byte header (magic, version 2, total length), a JSON chunk holding a glTF 2.x
	 * asset, then at most one BIN chunk, the chunks filling the file exactly.
	 *
	 * @param resource $stream The file.
	 * @param int      $size   Its size in bytes.
	 */
	private static function glb_problem( $stream, int $size ): string {
		$header = self::read_at( $stream, 0, 12 );
		if ( strlen( $header ) < 12 || self::GLB_MAGIC !== substr( $header, 0, 4 ) ) {
			return __( 'Not a GLB file: it does not start with a binary glTF header.', '3d-and-ar-models-for-woocommerce' );
		}
		$fields = unpack( 'Vversion/Vlength', substr( $header, 4 ) );
		if ( 2 !== $fields['version'] ) {
			return __( 'Not a glTF 2.0 GLB: the header gives another version.', '3d-and-ar-models-for-woocommerce' );
		}
		if ( $fields['length'] !== $size ) {
			return __( 'Broken GLB: the length in its header is not the file\'s size.', '3d-and-ar-models-for-woocommerce' );
		}
		$offset = 12;
		$chunks = array();
		while ( $offset < $size ) {
			$chunk_header = self::read_at( $stream, $offset, 8 );
			if ( strlen( $chunk_header ) < 8 ) {
				return __( 'Broken GLB: a chunk header is cut off.', '3d-and-ar-models-for-woocommerce' );
			}
			$chunk = unpack( 'Vlength/Vtype', $chunk_header );
			if ( 0 !== $chunk['length'] % 4 || $offset + 8 + $chunk['length'] > $size ) {
				return __( 'Broken GLB: a chunk runs past the end of the file or is not 4-byte aligned.', '3d-and-ar-models-for-woocommerce' );
			}
			$chunks[] = array( $chunk['type'], $offset + 8, $chunk['length'] );
			$offset  += 8 + $chunk['length'];
		}
		$types = array_column( $chunks, 0 );
		if ( array( self::JSON_CHUNK ) !== $types && array( self::JSON_CHUNK, self::BIN_CHUNK ) !== $types ) {
			return __( 'Broken GLB: it must hold a JSON chunk, then at most one BIN chunk, and nothing else.', '3d-and-ar-models-for-woocommerce' );
		}
		$json = json_decode( self::read_at( $stream, $chunks[0][1], $chunks[0][2] ), true );
		if ( ! is_array( $json ) || ! isset( $json['asset']['version'] ) || ! is_string( $json['asset']['version'] )
			|| ! preg_match( '/^2\.\d+$/', $json['asset']['version'] ) ) {
			return __( 'Broken GLB: its JSON chunk is not a glTF 2.0 asset.', '3d-and-ar-models-for-woocommerce' );
		}
		return '';
	}

	/**
	 * A USDZ: a zip with no trailing data whose entries are all stored (no compression, no
	 * encryption), each a type the USDZ specification allows and starting like one, the first a USD
	 * layer at offset 0.
	 *
	 * @param resource $stream The file.
	 * @param int      $size   Its size in bytes.
	 */
	private static function usdz_problem( $stream, int $size ): string {
		$not_zip = __( 'Not a USDZ file: it is not a zip archive.', '3d-and-ar-models-for-woocommerce' );
		$tail    = self::read_at( $stream, max( 0, $size - self::ZIP_END_SIZE - self::ZIP_MAX_COMMENT ), self::ZIP_END_SIZE + self::ZIP_MAX_COMMENT );
		$end_at  = strrpos( $tail, self::ZIP_END );
		if ( self::ZIP_LOCAL_HEADER !== self::read_at( $stream, 0, 4 ) || false === $end_at || strlen( $tail ) - $end_at < self::ZIP_END_SIZE ) {
			return $not_zip;
		}
		$end = unpack( 'vdisk/vcd_disk/vdisk_entries/ventries/Vcd_size/Vcd_offset/vcomment', substr( $tail, $end_at + 4, 18 ) );
		if ( strlen( $tail ) !== $end_at + self::ZIP_END_SIZE + $end['comment'] || 0 !== $end['disk'] || 0 !== $end['cd_disk']
			|| $end['disk_entries'] !== $end['entries'] || 0xFFFF === $end['entries'] || 0xFFFFFFFF === $end['cd_offset']
			|| $end['cd_offset'] + $end['cd_size'] > $size - strlen( $tail ) + $end_at ) {
			return $not_zip;
		}
		if ( 0 === $end['entries'] ) {
			return __( 'Broken USDZ: the archive is empty.', '3d-and-ar-models-for-woocommerce' );
		}
		$entries = self::zip_entries( self::read_at( $stream, $end['cd_offset'], $end['cd_size'] ), $end['entries'] );
		if ( null === $entries ) {
			return $not_zip;
		}
		usort(
			$entries,
			static function ( $a, $b ) {
				return $a['offset'] <=> $b['offset'];
			}
		);
		if ( 0 !== $entries[0]['offset'] || ! in_array( self::extension( $entries[0]['name'] ), self::USD_LAYERS, true ) ) {
			return __( 'Broken USDZ: its first file must be a USD layer (.usd, .usda or .usdc).', '3d-and-ar-models-for-woocommerce' );
		}
		foreach ( $entries as $entry ) {
			$problem = self::usdz_entry_problem( $stream, $entry, $end['cd_offset'] );
			if ( '' !== $problem ) {
				return $problem;
			}
		}
		return '';
	}

	/**
	 * Parses the zip's central directory into name, method, flags, sizes and local header offset.
	 *
	 * @param string $directory The central directory's bytes.
	 * @param int    $count     How many entries the end record announces.
	 * @return array<int, array{name: string, method: int, flags: int, size: int, compressed: int, offset: int}>|null
	 */
	private static function zip_entries( string $directory, int $count ): ?array {
		$entries  = array();
		$position = 0;
		for ( $i = 0; $i < $count; $i++ ) {
			if ( self::ZIP_CENTRAL_HEADER !== substr( $directory, $position, 4 ) || strlen( $directory ) < $position + 46 ) {
				return null;
			}
			$row       = unpack( 'vflags/vmethod/Vtime/Vcrc/Vcompressed/Vsize/vname/vextra/vcomment/vdisk/vinternal/Vexternal/Voffset', substr( $directory, $position + 8, 38 ) );
			$entries[] = array(
				'name'       => substr( $directory, $position + 46, $row['name'] ),
				'method'     => $row['method'],
				'flags'      => $row['flags'],
				'size'       => $row['size'],
				'compressed' => $row['compressed'],
				'offset'     => $row['offset'],
			);
			$position += 46 + $row['name'] + $row['extra'] + $row['comment'];
		}
		return strlen( $directory ) === $position ? $entries : null;
	}

	/**
	 * One package entry: stored, unencrypted, matching its local header, an allowed type that
	 * starts like that type.
	 *
	 * @param resource $stream    The file.
	 * @param array    $entry     From zip_entries().
	 * @param int      $cd_offset Where the central directory starts (file data ends before it).
	 */
	private static function usdz_entry_problem( $stream, array $entry, int $cd_offset ): string {
		$name = $entry['name'];
		if ( 0 !== $entry['method'] || $entry['size'] !== $entry['compressed'] || 0 !== ( $entry['flags'] & 1 ) ) {
			/* translators: %s: a file name inside the package. */
			return sprintf( __( 'Broken USDZ: %s is compressed or encrypted; USDZ files must be stored as they are.', '3d-and-ar-models-for-woocommerce' ), $name );
		}
		$ext = self::extension( $name );
		if ( ! isset( self::USDZ_ENTRY_MAGIC[ $ext ] ) ) {
			/* translators: %s: a file name inside the package. */
			return sprintf( __( 'Broken USDZ: %s is not a USD layer, image or sound, the only files a USDZ may hold.', '3d-and-ar-models-for-woocommerce' ), $name );
		}
		$local  = self::read_at( $stream, $entry['offset'], 30 );
		$fields = strlen( $local ) === 30 ? unpack( 'vversion/vflags/vmethod/Vtime/Vcrc/Vcompressed/Vsize/vname/vextra', substr( $local, 4 ) ) : null;
		$data   = null === $fields ? 0 : $entry['offset'] + 30 + $fields['name'] + $fields['extra'];
		if ( null === $fields || self::ZIP_LOCAL_HEADER !== substr( $local, 0, 4 ) || 0 !== $fields['method']
			|| self::read_at( $stream, $entry['offset'] + 30, $fields['name'] ) !== $name || $data + $entry['size'] > $cd_offset ) {
			/* translators: %s: a file name inside the package. */
			return sprintf( __( 'Broken USDZ: the entry for %s does not match the archive\'s directory.', '3d-and-ar-models-for-woocommerce' ), $name );
		}
		foreach ( self::USDZ_ENTRY_MAGIC[ $ext ] as list( $at, $magic ) ) {
			if ( $at + strlen( $magic ) <= $entry['size'] && self::read_at( $stream, $data + $at, strlen( $magic ) ) === $magic ) {
				return '';
			}
		}
		/* translators: %s: a file name inside the package. */
		return sprintf( __( 'Broken USDZ: %s is not the kind of file its name says.', '3d-and-ar-models-for-woocommerce' ), $name );
	}

	/**
	 * A name's last extension, lower case.
	 *
	 * @param string $name A file name.
	 */
	private static function extension( string $name ): string {
		return strtolower( (string) pathinfo( $name, PATHINFO_EXTENSION ) );
	}

	/**
	 * Up to $length bytes from $offset ('' past the end).
	 *
	 * @param resource $stream The file.
	 * @param int      $offset Where to start.
	 * @param int      $length How many bytes.
	 */
	private static function read_at( $stream, int $offset, int $length ): string {
		if ( $length <= 0 || 0 !== fseek( $stream, $offset ) ) {
			return '';
		}
		// phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_fread -- seeks within one local file.
		$bytes = fread( $stream, $length );
		return false === $bytes ? '' : $bytes;
	}
}
