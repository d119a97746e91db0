<?php
/**
 * A generation job's status as the plugin shows it: parsed from the backend, with a translated message.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Turns the backend's status JSON into a small, safe array for the admin screens.
 */
final class Woo3D_Status {

	const STATES = array( 'none', 'queued', 'running', 'done', 'failed' );

	/**
	 * Keeps the known fields of a backend status, typed, and adds a human message.
	 *
	 * @param array $raw The backend's `/api/products/<id>/status` answer.
	 * @return array{state: string, stage: ?string, progress: ?float, reason: ?string, job_id: ?string, updated_at: ?string, message: string}
	 */
	public static function from_backend( array $raw ): array {
		$state             = isset( $raw['state'] ) && in_array( $raw['state'], self::STATES, true ) ? $raw['state'] : 'none';
		$progress          = isset( $raw['progress'] ) && is_numeric( $raw['progress'] ) ? max( 0.0, min( 1.0, (float) $raw['progress'] ) ) : null;
		$status            = array(
			'state'      => $state,
			'stage'      => self::text( $raw, 'stage' ),
			'progress'   => $progress,
			'reason'     => self::text( $raw, 'reason' ),
			'job_id'     => self::text( $raw, 'job_id' ),
			'updated_at' => self::text( $raw, 'updated_at' ),
			// The job ended with its model held for review (the backend's `model.state`).
			'held'       => isset( $raw['model']['state'] ) && 'review' === $raw['model']['state'],
		);
		$status['message'] = self::message( $status );
		return $status;
	}

	/**
	 * The status to show before the backend answered, from what the product's meta says.
	 *
	 * @param bool $has_model Whether the product has a model.
	 */
	public static function from_meta( bool $has_model ): array {
		return self::from_backend( array( 'state' => $has_model ? 'done' : 'none' ) );
	}

	/**
	 * A translated one-line message: "Queued…", "Running: texturing (40%)", "Failed: reason".
	 *
	 * @param array $status A status from from_backend().
	 */
	public static function message( array $status ): string {
		switch ( $status['state'] ) {
			case 'queued':
				return __( 'Queued…', '3d-and-ar-models-for-woocommerce' );
			case 'running':
				$stage = null !== $status['stage'] ? $status['stage'] : __( 'starting', '3d-and-ar-models-for-woocommerce' );
				if ( null !== $status['progress'] ) {
					/* translators: 1: the pipeline stage, 2: percent done. */
					return sprintf( __( 'Running: %1$s (%2$d%%)', '3d-and-ar-models-for-woocommerce' ), $stage, (int) round( $status['progress'] * 100 ) );
				}
				/* translators: %s: the pipeline stage. */
				return sprintf( __( 'Running: %s', '3d-and-ar-models-for-woocommerce' ), $stage );
			case 'done':
				if ( ! empty( $status['held'] ) ) {
					return __( 'Done: the new model waits for your review (reload the page to see it).', '3d-and-ar-models-for-woocommerce' );
				}
				return __( 'Done: the 3D model is ready.', '3d-and-ar-models-for-woocommerce' );
			case 'failed':
				/* translators: %s: why the job failed. */
				return sprintf( __( 'Failed: %s', '3d-and-ar-models-for-woocommerce' ), null !== $status['reason'] ? $status['reason'] : __( 'unknown reason', '3d-and-ar-models-for-woocommerce' ) );
			default:
				return __( 'No 3D model yet.', '3d-and-ar-models-for-woocommerce' );
		}
	}

	/**
	 * A plain-text field of the backend's answer, or null.
	 *
	 * @param array  $raw The answer.
	 * @param string $key The field.
	 */
	private static function text( array $raw, string $key ): ?string {
		if ( ! isset( $raw[ $key ] ) || ! is_scalar( $raw[ $key ] ) || '' === (string) $raw[ $key ] ) {
			return null;
		}
		return sanitize_text_field( (string) $raw[ $key ] );
	}
}
