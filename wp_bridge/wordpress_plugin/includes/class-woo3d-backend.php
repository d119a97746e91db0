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
	 * Seconds the products list waits for its one batched status call: the list loads on every visit
	 * of the products screen, so a hung backend must not hold a PHP worker for long.
	 */
	const LIST_TIMEOUT = 3.0;

	/**
	 * The client for the saved settings.
	 *
	 * @param float $timeout Seconds to wait for an answer.
	 */
	public static function from_settings( float $timeout = 10.0 ): self {
		$settings = Woo3D_Settings::get();
		return new self( $settings['backend_url'], $settings['admin_token'], $timeout );
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
	 * Checks the settings in the only three terms the plugin reports: connected, no woo3d backend at
	 * this URL, or token refused (or not configured yet). The token is sent only after `/healthz`
	 * answered as woo3d's does, and every other failure reads the same, whatever listens there.
	 *
	 * @return true|WP_Error Codes: woo3d_not_configured, woo3d_no_backend, woo3d_unauthorized.
	 */
	public function test_connection() {
		if ( '' === $this->base_url || '' === $this->token ) {
			return self::not_configured();
		}
		$no_backend = new WP_Error(
			'woo3d_no_backend',
			__( 'No woo3d backend answers at this URL: check the backend URL, and that woo3d serve runs there.', '3d-and-ar-models-for-woocommerce' ),
			array( 'status' => 502 )
		);
		$health     = $this->health();
		if ( is_wp_error( $health ) || ! isset( $health['status'] ) || 'ok' !== $health['status'] ) {
			return $no_backend;
		}
		$answer = $this->product_status( 0 );
		if ( is_wp_error( $answer ) ) {
			return 'woo3d_unauthorized' === $answer->get_error_code() ? $answer : $no_backend;
		}
		return true;
	}

	/**
	 * Starts (or, with $force, restarts) the generation for one product. A forced one of a product
	 * that has a model is refused with a paid generator configured until `$confirm_paid` (the
	 * WP_Error's data then has `needs_confirmation`).
	 *
	 * @param int  $product_id   The product.
	 * @param bool $force        Bypass the backend's de-duplication and cache.
	 * @param bool $confirm_paid The merchant agreed to the cost of a paid regeneration.
	 * @return array|WP_Error `{status: queued|skipped, job_id?, reason?}`.
	 */
	public function generate( int $product_id, bool $force, bool $confirm_paid = false ) {
		$body = array( 'force' => $force ) + ( $confirm_paid ? array( 'confirm_paid' => true ) : array() );
		return $this->request( 'POST', '/api/products/' . $product_id . '/generate', $body );
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
	 * The latest job's status of each product, in one call (`GET /api/products/statuses?ids=…`).
	 *
	 * @param int[] $product_ids The products (at most 100).
	 * @return array|WP_Error Product id (as a string) to its status; a product the backend left out is absent.
	 */
	public function product_statuses( array $product_ids ) {
		$answer = $this->request( 'GET', '/api/products/statuses?ids=' . implode( ',', array_map( 'absint', $product_ids ) ) );
		if ( is_wp_error( $answer ) ) {
			return $answer;
		}
		if ( ! isset( $answer['statuses'] ) || ! is_array( $answer['statuses'] ) ) {
			return new WP_Error( 'woo3d_bad_response', __( 'The woo3d backend did not answer with JSON: is the backend URL right?', '3d-and-ar-models-for-woocommerce' ), array( 'status' => 502 ) );
		}
		return array_filter( $answer['statuses'], 'is_array' );
	}

	/**
	 * Approves (publishes) or discards (deletes) the product's model held for review.
	 *
	 * @param int    $product_id  The product.
	 * @param string $verdict     "approve" or "discard".
	 * @param string $fingerprint The held model the merchant looked at ('' for whichever is held).
	 * @return array|WP_Error `{status: approved|discarded, deleted: int[]}`.
	 */
	public function review( int $product_id, string $verdict, string $fingerprint = '' ) {
		$body = '' === $fingerprint ? array() : array( 'fingerprint' => $fingerprint );
		return $this->request( 'POST', '/api/products/' . $product_id . '/review/' . ( 'approve' === $verdict ? 'approve' : 'discard' ), $body );
	}

	/**
	 * Asks for a fresh model; with a paid generator configured the backend refuses until
	 * `$confirm_paid` (the WP_Error's data then has `needs_confirmation`).
	 *
	 * @param int  $product_id   The product.
	 * @param bool $confirm_paid The merchant agreed to the cost.
	 * @return array|WP_Error `{status: queued, job_id}`.
	 */
	public function regenerate( int $product_id, bool $confirm_paid ) {
		return $this->request( 'POST', '/api/products/' . $product_id . '/review/regenerate', array( 'confirm_paid' => $confirm_paid ) );
	}

	/**
	 * The error for settings that lack the URL or the token.
	 */
	private static function not_configured(): WP_Error {
		return new WP_Error(
			'woo3d_not_configured',
			__( 'woo3d is not configured: set the backend URL and admin token in the woo3d settings.', '3d-and-ar-models-for-woocommerce' ),
			array( 'status' => 503 )
		);
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
			return self::not_configured();
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
			// The transport's own message (refused, timed out, HTTP/0.9, TLS…) says what listens on
			// the port: it is not passed on, or the plugin's answers would map the network.
			return new WP_Error( 'woo3d_unreachable', __( 'Could not reach the woo3d backend.', '3d-and-ar-models-for-woocommerce' ), array( 'status' => 502 ) );
		}
		$code = (int) wp_remote_retrieve_response_code( $response );
		$data = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( 401 === $code || 403 === $code ) {
			return new WP_Error(
				'woo3d_unauthorized',
				__( 'The woo3d backend refused the admin token: check it in the woo3d settings.', '3d-and-ar-models-for-woocommerce' ),
				array( 'status' => 502 )
			);
		}
		if ( $code < 200 || $code >= 300 ) {
			$detail = is_array( $data ) && isset( $data['error'] ) && is_string( $data['error'] ) ? $data['error'] : (string) $code;
			if ( 409 === $code && is_array( $data ) && ! empty( $data['needs_confirmation'] ) ) {
				// Not a failure: the backend asks the merchant to agree to a paid call first.
				return new WP_Error(
					'woo3d_needs_confirmation',
					$detail,
					array(
						'status'             => 409,
						'needs_confirmation' => true,
					)
				);
			}
			return new WP_Error(
				'woo3d_backend_error',
				/* translators: %s: the backend's error message or HTTP status. */
				sprintf( __( 'The woo3d backend answered with an error: %s', '3d-and-ar-models-for-woocommerce' ), $detail ),
				array( 'status' => 502 )
			);
		}
		if ( ! is_array( $data ) ) {
			return new WP_Error(
				'woo3d_bad_response',
				__( 'The woo3d backend did not answer with JSON: is the backend URL right?', '3d-and-ar-models-for-woocommerce' ),
				array( 'status' => 502 )
			);
		}
		return $data;
	}
}
