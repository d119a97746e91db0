<?php
/**
 * A product's 3D model, read from the `_woo3d_model` meta the woo3d backend writes.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Parses and validates the meta: URLs must be http(s), attributes come from closed sets or patterns.
 */
final class Woo3D_Model {

	const AR_MODES = array( 'webxr', 'scene-viewer', 'quick-look' );

	const AR_SCALES = array( 'auto', 'fixed' );

	const AR_PLACEMENTS = array( 'floor', 'wall' );

	/**
	 * The live model of a product, or null when it has none (or the meta has no usable GLB URL).
	 * A model held for review (the meta's `pending` object) is never returned: the storefront,
	 * the shortcode and the block show only what the merchant let through.
	 *
	 * `glb_id` and `poster_id` are the attachments the meta names for its files, unchecked (0 when
	 * none): check them with `attachment_of()` before reading them (reading costs queries, which a
	 * caller that only asks whether there is a model does not pay).
	 *
	 * @param int $product_id The product (post) id.
	 * @return array{glb: string, usdz: string, poster: string, alt: string, ar_modes: string, ar_scale: string, ar_placement: string, camera_orbit: string, shadow_intensity: string, glb_id: int, poster_id: int}|null
	 */
	public static function for_product( int $product_id ): ?array {
		$meta = self::meta( $product_id );
		if ( null === $meta || ( isset( $meta['state'] ) && 'live' !== $meta['state'] ) ) {
			return null;
		}
		$glb = self::url( $meta, 'glb' );
		if ( '' === $glb ) {
			return null;
		}
		$alt = isset( $meta['alt'] ) && is_string( $meta['alt'] ) ? trim( wp_strip_all_tags( $meta['alt'] ) ) : '';
		if ( '' === $alt ) {
			/* translators: %s: the product name. */
			$alt = sprintf( __( '3D model of %s', '3d-and-ar-models-for-woocommerce' ), wp_strip_all_tags( get_the_title( $product_id ) ) );
		}
		return array(
			'glb'              => $glb,
			'usdz'             => self::url( $meta, 'usdz' ),
			'poster'           => self::url( $meta, 'poster' ),
			'alt'              => $alt,
			'ar_modes'         => self::ar_modes( isset( $meta['ar_modes'] ) ? $meta['ar_modes'] : null ),
			'ar_scale'         => self::one_of( self::AR_SCALES, isset( $meta['ar_scale'] ) ? $meta['ar_scale'] : null ),
			'ar_placement'     => self::one_of( self::AR_PLACEMENTS, isset( $meta['ar_placement'] ) ? $meta['ar_placement'] : null ),
			'camera_orbit'     => self::camera_orbit( isset( $meta['camera_orbit'] ) ? $meta['camera_orbit'] : null ),
			'shadow_intensity' => self::shadow_intensity( isset( $meta['shadow_intensity'] ) ? $meta['shadow_intensity'] : null ),
			'glb_id'           => self::claimed_attachment( $meta, 'glb' ),
			'poster_id'        => self::claimed_attachment( $meta, 'poster' ),
		);
	}

	/**
	 * The attachment id the meta names for a file role, unchecked; 0 when none.
	 *
	 * @param array  $meta The meta object.
	 * @param string $role "glb", "poster"...
	 */
	private static function claimed_attachment( array $meta, string $role ): int {
		$value = isset( $meta['attachment_ids'][ $role ] ) ? $meta['attachment_ids'][ $role ] : 0;
		return is_int( $value ) || ( is_string( $value ) && ctype_digit( $value ) ) ? max( 0, (int) $value ) : 0;
	}

	/**
	 * `$id` when it is an attachment whose URL is `$url`, else 0: the meta is input, and an id alone
	 * could name any file of the media library.
	 *
	 * @param int    $id  An attachment id the meta names (`glb_id`, `poster_id`).
	 * @param string $url The meta's URL for that file.
	 */
	public static function attachment_of( int $id, string $url ): int {
		if ( $id <= 0 || '' === $url || 'attachment' !== get_post_type( $id ) ) {
			return 0;
		}
		$own = (string) wp_get_attachment_url( $id );
		return '' !== $own && set_url_scheme( $own, 'https' ) === set_url_scheme( $url, 'https' ) ? $id : 0;
	}

	/**
	 * The model a product holds for the merchant's review, or null. Its files are in the media
	 * library so the merchant can look at them; only the meta box and the review routes read this.
	 *
	 * @param int $product_id The product (post) id.
	 * @return array{fingerprint: string, glb: string, poster: string, views: array<string, string>, score: int|null, reasons: string[], held_because: string}|null
	 */
	public static function held_for_product( int $product_id ): ?array {
		$meta = self::meta( $product_id );
		$held = null !== $meta && isset( $meta['pending'] ) && is_array( $meta['pending'] ) ? $meta['pending'] : null;
		if ( null === $held || ! isset( $held['fingerprint'] ) || ! is_string( $held['fingerprint'] ) || '' === self::url( $held, 'glb' ) ) {
			return null;
		}
		$views = array();
		foreach ( array( 'front', '45', 'side' ) as $angle ) {
			$url = isset( $held['views'] ) && is_array( $held['views'] ) ? self::url( $held['views'], $angle ) : '';
			if ( '' !== $url ) {
				$views[ $angle ] = $url;
			}
		}
		$score   = isset( $held['quality']['score'] ) && is_numeric( $held['quality']['score'] ) ? (int) $held['quality']['score'] : null;
		$reasons = isset( $held['reasons'] ) && is_array( $held['reasons'] ) ? array_values( array_filter( $held['reasons'], 'is_string' ) ) : array();
		return array(
			'fingerprint'  => $held['fingerprint'],
			'glb'          => self::url( $held, 'glb' ),
			'poster'       => self::url( $held, 'poster' ),
			'views'        => $views,
			'score'        => $score,
			'reasons'      => array_map( 'sanitize_text_field', $reasons ),
			'held_because' => isset( $held['held_because'] ) && is_string( $held['held_because'] ) ? sanitize_text_field( $held['held_because'] ) : '',
		);
	}

	/**
	 * The attachment ids of the product's live model (or, with `$held`, of the model held for review),
	 * as the meta names them: positive integers only.
	 *
	 * @param int  $product_id The product or variation.
	 * @param bool $held       The held model's instead of the live one's.
	 * @return int[]
	 */
	public static function attachment_ids( int $product_id, bool $held = false ): array {
		$meta = self::meta( $product_id );
		if ( null !== $meta && $held ) {
			$meta = isset( $meta['pending'] ) && is_array( $meta['pending'] ) ? $meta['pending'] : null;
		}
		if ( null === $meta || ! isset( $meta['attachment_ids'] ) || ! is_array( $meta['attachment_ids'] ) ) {
			return array();
		}
		$ids = array_filter( $meta['attachment_ids'], 'is_int' );
		return array_values( array_filter( $ids, static fn ( int $id ): bool => $id > 0 ) );
	}

	/**
	 * The media library image an URL of the meta points at, for wp_get_attachment_image(): 0 when the
	 * URL is not an image attachment of this site (the meta is input, so nothing else is shown).
	 *
	 * @param string $url A poster's or view's URL from the meta.
	 */
	public static function image_id( string $url ): int {
		$id = '' === $url ? 0 : attachment_url_to_postid( $url );
		return $id > 0 && wp_attachment_is_image( $id ) ? $id : 0;
	}

	/**
	 * Whether a `_woo3d_model` value as the database holds it (serialized, JSON text) is a live model
	 * with a GLB URL, as for_product() would find: for callers that read many products' values in one query.
	 *
	 * @param mixed $value      The stored meta value.
	 * @param int   $product_id The product (post) it is stored on.
	 */
	public static function is_live( $value, int $product_id ): bool {
		$meta = self::parse( maybe_unserialize( $value ), $product_id );
		return null !== $meta && ( ! isset( $meta['state'] ) || 'live' === $meta['state'] ) && '' !== self::url( $meta, 'glb' );
	}

	/**
	 * The `_woo3d_model` value as an array, or null. A value written for another product (copied
	 * here by an importer or a REST client) names that product's files: it is not this product's model.
	 *
	 * @param int $product_id The product (post) id.
	 */
	private static function meta( int $product_id ): ?array {
		return self::parse( get_post_meta( $product_id, WOO3D_META_KEY, true ), $product_id );
	}

	/**
	 * A meta value as an array, or null when it is none or was written for another product.
	 *
	 * @param mixed $meta       The unserialized meta value.
	 * @param int   $product_id The product (post) it is stored on.
	 */
	private static function parse( $meta, int $product_id ): ?array {
		// WooCommerce's REST API stores a JSON object value as an array; other writers may store JSON text.
		if ( is_string( $meta ) && '' !== $meta ) {
			$meta = json_decode( $meta, true );
		}
		if ( ! is_array( $meta ) ) {
			return null;
		}
		// Values older than the field name no product.
		$owner = isset( $meta['product_id'] ) && is_int( $meta['product_id'] ) ? $meta['product_id'] : 0;
		return 0 === $owner || $owner === $product_id ? $meta : null;
	}

	/**
	 * An http(s) URL field, or ''.
	 *
	 * @param array  $meta The meta object.
	 * @param string $key  The field.
	 */
	private static function url( array $meta, string $key ): string {
		if ( ! isset( $meta[ $key ] ) || ! is_string( $meta[ $key ] ) ) {
			return '';
		}
		return esc_url_raw( trim( $meta[ $key ] ), array( 'http', 'https' ) );
	}

	/**
	 * The AR modes the meta asks for, restricted to model-viewer's; all three by default.
	 *
	 * @param mixed $value A space-separated string or a list.
	 */
	private static function ar_modes( $value ): string {
		$asked = is_array( $value ) ? $value : preg_split( '/\s+/', is_string( $value ) ? $value : '' );
		$modes = array_values( array_intersect( self::AR_MODES, array_map( 'strval', array_filter( $asked, 'is_scalar' ) ) ) );
		return implode( ' ', $modes ? $modes : self::AR_MODES );
	}

	/**
	 * The meta's value when it is one of `$allowed`, else '' (model-viewer's default then applies).
	 *
	 * @param string[] $allowed The values model-viewer knows.
	 * @param mixed    $value   The meta value.
	 */
	private static function one_of( array $allowed, $value ): string {
		return is_string( $value ) && in_array( $value, $allowed, true ) ? $value : '';
	}

	/**
	 * A camera orbit such as "30deg 75deg 2.5m" or "auto auto 105%", or ''.
	 *
	 * @param mixed $value The meta value.
	 */
	private static function camera_orbit( $value ): string {
		if ( ! is_string( $value ) ) {
			return '';
		}
		$value = trim( $value );
		return preg_match( '/^[a-z0-9.%+\-\s()]{1,80}$/i', $value ) ? $value : '';
	}

	/**
	 * A shadow intensity between 0 and 1 as text; 1 when absent.
	 *
	 * @param mixed $value The meta value.
	 */
	private static function shadow_intensity( $value ): string {
		if ( ! is_numeric( $value ) ) {
			return '1';
		}
		return (string) max( 0.0, min( 1.0, (float) $value ) );
	}
}
