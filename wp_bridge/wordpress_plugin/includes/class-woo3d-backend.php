<?php
/**
 * The woo3d backend's admin API, called from this server with the admin token (never from a browser).
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * A small client for `POST /api/products/<id>/generate`, the status routes and `/healthz`.
 *
 * Every method returns the decoded JSON object or a WP_Error whose data holds the HTTP status
 * (`status`) the plugin's own REST routes answer with.
 */
final class Woo3D_Backend {

	/**
	 * Base URL without a trailing slash.
	 *
	 * @var string
	 */
	private $base_url;

	/**
	 * The backend's WOO3D_ADMIN_TOKEN.
	 *
	 * @var string
	 */
	private $token;

	/**
	 * Request timeout in seconds.
	 *
	 * @var float
	 */
	private $timeout;

	/**
	 * A client for the given backend.
	 *
	 * @param string $base_url The backend URL.
	 * @param string $token    The admin token.
	 * @param float  $timeout  Seconds to wait for an answer.
	 */
	public function __construct( string $base_url, string $token, float $timeout = 10.0 ) {
		$this->base_url = untrailingslashit( $base_url );
		$this->token    = $token;
		$this->timeout  = $timeout;
	}

	/**
	 * The client for the saved settings.
	 */
	public static function from_settings(): self {
		$settings = Woo3D_Settings::get();
		return new self( $settings['backend_url'], $settings['admin_token'] );
	}

	/**
	 * Liveness: `GET /healthz` (no token).
	 *
	 * @return array|WP_Error
	 */
	public function health() {
		return $this->request( 'GET', '/healthz', null, false );
	}

	/**
	 * Starts (or, with $force, restarts) the generation for one product.
	 *
	 * @param int  $product_id The product.
	 * @param bool $force      Bypass the backend's de-duplication and cache.
	 * @return array|WP_Error `{status: queued|skipped, job_id?, reason?}`.
	 */
	public function generate( int $product_id, bool $force ) {
		return $this->request( 'POST', '/api/products/' . $product_id . '/generate', array( 'force' => $force ) );
	}

	/**
	 * The latest job's status for one product.
	 *
	 * @param int $product_id The product.
	 * @return array|WP_Error
	 */
	public function product_status( int $product_id ) {
		return $this->request( 'GET', '/api/products/' . $product_id . '/status' );
	}

	/**
	 * Sends one request and decodes the JSON object it answers.
	 *
	 * @param string     $method HTTP method.
	 * @param string     $path   Path below the base URL.
	 * @param array|null $body   JSON body, if any.
	 * @param bool       $auth   Whether to send the admin token.
	 * @return array|WP_Error
	 */
	private function request( string $method, string $path, ?array $body = null, bool $auth = true ) {
		if ( '' === $this->base_url || ( $auth && '' === $this->token ) ) {
			return new WP_Error(
				'woo3d_not_configured',
				__( 'woo3d is not configured: set the backend URL and admin token in the woo3d settings.', 'woo3d' ),
				array( 'status' => 503 )
			);
		}
		$headers = array( 'Accept' => 'application/json' );
		if ( $auth ) {
			$headers['Authorization'] = 'Bearer ' . $this->token;
		}
		$args = array(
			'method'      => $method,
			'timeout'     => $this->timeout,
			'redirection' => 0,
			'headers'     => $headers,
		);
		if ( null !== $body ) {
			$args['headers']['Content-Type'] = 'application/json';
			$args['body']                    = wp_json_encode( $body );
		}
		// The admin chose this URL (often a private or loopback address), so wp_safe_remote_request's
		// SSRF guard does not apply; browsers never choose it.
		$response = wp_remote_request( $this->base_url . $path, $args );
		if ( is_wp_error( $response ) ) {
			return new WP_Error(
				'woo3d_unreachable',
				/* translators: %s: the HTTP library's error message. */
				sprintf( __( 'Could not reach the woo3d backend: %s', 'woo3d' ), $response->get_error_message() ),
				array( 'status' => 502 )
			);
		}
		$code = (int) wp_remote_retrieve_response_code( $response );
		$data = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( 401 === $code || 403 === $code ) {
			return new WP_Error(
				'woo3d_unauthorized',
				__( 'The woo3d backend refused the admin token: check it in the woo3d settings.', 'woo3d' ),
				array( 'status' => 502 )
			);
		}
		if ( $code < 200 || $code >= 300 ) {
			$detail = is_array( $data ) && isset( $data['error'] ) && is_string( $data['error'] ) ? $data['error'] : (string) $code;
			return new WP_Error(
				'woo3d_backend_error',
				/* translators: %s: the backend's error message or HTTP status. */
				sprintf( __( 'The woo3d backend answered with an error: %s', 'woo3d' ), $detail ),
				array( 'status' => 502 )
			);
		}
		if ( ! is_array( $data ) ) {
			return new WP_Error(
				'woo3d_bad_response',
				__( 'The woo3d backend did not answer with JSON: is the backend URL right?', 'woo3d' ),
				array( 'status' => 502 )
			);
		}
		return $data;
	}
}
