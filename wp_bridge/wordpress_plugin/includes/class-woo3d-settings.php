<?php
/**
 * The settings page: backend URL and admin token (kept server-side), with a "Test connection" button.
 *
 * @package Woo3D
 */

defined( 'ABSPATH' ) || exit;

/**
 * Stores and edits the plugin's one option, `woo3d_plugin_settings` (the predecessor's was `woo3d_settings`, see Woo3D_Handover).
 */
final class Woo3D_Settings {

	const OPTION = 'woo3d_plugin_settings';
	const PAGE   = 'woo3d';

	/**
	 * Who may change where WordPress sends the admin token: administrators only, even where shop
	 * managers may manage the rest of the page.
	 */
	const URL_CAPABILITY = 'manage_options';

	/**
	 * Where the product page shows the model: an item of the product gallery (first, second after the
	 * main photo, or last), or the viewer after the gallery (the placement before 0.2).
	 */
	const GALLERY_POSITIONS = array( 'second', 'first', 'last', 'after' );

	/**
	 * The settings page's hook suffix, once add_page() has added it.
	 *
	 * @var string
	 */
	private static $page_hook = '';

	/**
	 * Hooks the settings page into WordPress.
	 */
	public static function register(): void {
		add_action( 'admin_init', array( __CLASS__, 'register_setting' ) );
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ) );
		add_filter( 'option_page_capability_' . self::PAGE, array( __CLASS__, 'capability' ) );
	}

	/**
	 * The capability that may change the settings: WooCommerce's own when it is active.
	 */
	public static function capability(): string {
		$capability = class_exists( 'WooCommerce' ) ? 'manage_woocommerce' : 'manage_options';
		/**
		 * Filters the capability needed to see and change woo3d's settings.
		 *
		 * @param string $capability Defaults to manage_woocommerce, or manage_options without WooCommerce.
		 */
		return (string) apply_filters( 'woo3d_settings_capability', $capability );
	}

	/**
	 * The saved settings merged over their defaults.
	 *
	 * @return array{backend_url: string, admin_token: string, delete_data_on_uninstall: bool}
	 */
	public static function get(): array {
		$saved = get_option( self::OPTION, array() );
		$saved = is_array( $saved ) ? $saved : array();
		return array(
			'backend_url'              => isset( $saved['backend_url'] ) ? (string) $saved['backend_url'] : '',
			'admin_token'              => isset( $saved['admin_token'] ) ? (string) $saved['admin_token'] : '',
			'delete_data_on_uninstall' => ! empty( $saved['delete_data_on_uninstall'] ),
			'gallery_position'         => self::gallery_position( isset( $saved['gallery_position'] ) ? $saved['gallery_position'] : null ),
		);
	}

	/**
	 * One of GALLERY_POSITIONS; the first ("second") for anything else.
	 *
	 * @param mixed $value A saved or submitted value.
	 */
	public static function gallery_position( $value ): string {
		return is_string( $value ) && in_array( $value, self::GALLERY_POSITIONS, true ) ? $value : self::GALLERY_POSITIONS[0];
	}

	/**
	 * Registers the option with its sanitizer (the Settings API then handles the nonce).
	 */
	public static function register_setting(): void {
		register_setting(
			self::PAGE,
			self::OPTION,
			array(
				'type'              => 'object',
				'sanitize_callback' => array( __CLASS__, 'sanitize' ),
				'show_in_rest'      => false,
				'default'           => array(),
			)
		);
	}

	/**
	 * Cleans submitted settings. A blank token field keeps the saved token, unless the backend URL
	 * changed: a token is only ever sent to the URL it was entered with. Only administrators
	 * (URL_CAPABILITY) may change the URL; anyone else's attempt changes nothing.
	 *
	 * @param mixed $input The submitted option value.
	 * @return array The value to store.
	 */
	public static function sanitize( $input ): array {
		$current = self::get();
		$input   = is_array( $input ) ? $input : array();

		$url = isset( $input['backend_url'] ) ? trim( (string) $input['backend_url'] ) : $current['backend_url'];
		if ( '' !== $url ) {
			$clean = esc_url_raw( $url, array( 'http', 'https' ) );
			if ( '' === $clean || '' === (string) wp_parse_url( $clean, PHP_URL_HOST ) ) {
				add_settings_error( self::OPTION, 'woo3d_backend_url', __( 'The backend URL must be an http or https URL.', '3d-and-ar-models-for-woocommerce' ) );
				$clean = $current['backend_url'];
			}
			$url = untrailingslashit( $clean );
		}
		$url_changed = $url !== $current['backend_url'];
		if ( $url_changed && ! current_user_can( self::URL_CAPABILITY ) ) {
			add_settings_error( self::OPTION, 'woo3d_backend_url_forbidden', __( 'Only administrators can change the backend URL. Nothing was saved.', '3d-and-ar-models-for-woocommerce' ) );
			return $current;
		}

		$token = isset( $input['admin_token'] ) ? trim( sanitize_text_field( (string) $input['admin_token'] ) ) : '';
		if ( '' === $token && ! $url_changed ) {
			$token = $current['admin_token'];
		} elseif ( '' === $token && '' !== $current['admin_token'] ) {
			add_settings_error( self::OPTION, 'woo3d_token_dropped', __( 'The backend URL changed, so the saved admin token was removed: enter the token for the new backend.', '3d-and-ar-models-for-woocommerce' ), 'warning' );
		}
		if ( ! empty( $input['forget_token'] ) ) {
			$token = '';
		}

		return array(
			'backend_url'              => $url,
			'admin_token'              => $token,
			'delete_data_on_uninstall' => ! empty( $input['delete_data_on_uninstall'] ),
			'gallery_position'         => isset( $input['gallery_position'] ) ? self::gallery_position( $input['gallery_position'] ) : $current['gallery_position'],
		);
	}

	/**
	 * Adds the page under WooCommerce when it is active, else under Settings.
	 */
	public static function add_page(): void {
		$hook = add_submenu_page(
			class_exists( 'WooCommerce' ) ? 'woocommerce' : 'options-general.php',
			__( 'woo3d 3D models', '3d-and-ar-models-for-woocommerce' ),
			__( '3D models (woo3d)', '3d-and-ar-models-for-woocommerce' ),
			self::capability(),
			self::PAGE,
			array( __CLASS__, 'render_page' )
		);
		if ( $hook ) {
			// admin_enqueue_scripts, not admin_print_scripts-…: styles enqueued that late print in the footer.
			self::$page_hook = $hook;
			add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue_assets' ) );
		}
	}

	/**
	 * Loads the "Test connection" script and the admin styles on the settings page only.
	 *
	 * @param string $hook_suffix The admin page being loaded.
	 */
	public static function enqueue_assets( string $hook_suffix ): void {
		if ( '' === self::$page_hook || self::$page_hook !== $hook_suffix ) {
			return;
		}
		wp_enqueue_style( 'woo3d-admin', plugins_url( 'assets/css/admin.css', WOO3D_PLUGIN_FILE ), array(), WOO3D_VERSION );
		wp_enqueue_script( 'woo3d-settings', plugins_url( 'assets/js/settings.js', WOO3D_PLUGIN_FILE ), array(), WOO3D_VERSION, true );
		wp_localize_script(
			'woo3d-settings',
			'woo3dSettings',
			array(
				'url'     => esc_url_raw( rest_url( Woo3D_Rest::NAMESPACE . '/connection' ) ),
				'nonce'   => wp_create_nonce( 'wp_rest' ),
				'testing' => __( 'Testing…', '3d-and-ar-models-for-woocommerce' ),
				'failed'  => __( 'The test could not run.', '3d-and-ar-models-for-woocommerce' ),
			)
		);
	}

	/**
	 * Prints the settings form. The token is never echoed back: the field stays empty.
	 */
	public static function render_page(): void {
		if ( ! current_user_can( self::capability() ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage woo3d.', '3d-and-ar-models-for-woocommerce' ), 403 );
		}
		$settings   = self::get();
		$name       = self::OPTION;
		$url_locked = ! current_user_can( self::URL_CAPABILITY );
		?>
		<div class="wrap woo3d-settings">
			<h1><?php esc_html_e( 'woo3d 3D models', '3d-and-ar-models-for-woocommerce' ); ?></h1>
			<?php
			// Under Settings, WordPress prints the "saved" notice and errors itself (options-head.php).
			if ( 'options-general.php' !== get_admin_page_parent() ) {
				settings_errors();
			}
			?>
			<form method="post" action="<?php echo esc_url( admin_url( 'options.php' ) ); ?>">
				<?php settings_fields( self::PAGE ); ?>
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="woo3d-backend-url"><?php esc_html_e( 'Backend URL', '3d-and-ar-models-for-woocommerce' ); ?></label></th>
						<td>
							<input type="url" class="regular-text code" id="woo3d-backend-url" name="<?php echo esc_attr( $name ); ?>[backend_url]" value="<?php echo esc_attr( $settings['backend_url'] ); ?>" placeholder="https://woo3d.example.com"<?php echo $url_locked ? ' readonly' : ''; ?> />
							<p class="description">
								<?php
								esc_html_e( 'Where the woo3d backend (woo3d serve) answers. Changing it removes the saved token: enter the token again with it.', '3d-and-ar-models-for-woocommerce' );
								if ( $url_locked ) {
									echo ' ';
									esc_html_e( 'Only administrators can change the backend URL.', '3d-and-ar-models-for-woocommerce' );
								}
								?>
							</p>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="woo3d-admin-token"><?php esc_html_e( 'Admin token', '3d-and-ar-models-for-woocommerce' ); ?></label></th>
						<td>
							<input type="password" class="regular-text code" id="woo3d-admin-token" name="<?php echo esc_attr( $name ); ?>[admin_token]" value="" autocomplete="new-password" />
							<p class="description">
								<?php
								if ( '' !== $settings['admin_token'] ) {
									esc_html_e( 'A token is saved. Leave this blank to keep it.', '3d-and-ar-models-for-woocommerce' );
								} else {
									esc_html_e( 'The backend\'s WOO3D_ADMIN_TOKEN. It stays on this server and is never sent to browsers.', '3d-and-ar-models-for-woocommerce' );
								}
								?>
							</p>
							<?php if ( '' !== $settings['admin_token'] ) : ?>
								<label><input type="checkbox" name="<?php echo esc_attr( $name ); ?>[forget_token]" value="1" /> <?php esc_html_e( 'Forget the saved token', '3d-and-ar-models-for-woocommerce' ); ?></label>
							<?php endif; ?>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="woo3d-gallery-position"><?php esc_html_e( '3D model on the product page', '3d-and-ar-models-for-woocommerce' ); ?></label></th>
						<td>
							<select id="woo3d-gallery-position" name="<?php echo esc_attr( $name ); ?>[gallery_position]">
								<?php
								$positions = array(
									'second' => __( 'In the gallery, after the main photo', '3d-and-ar-models-for-woocommerce' ),
									'first'  => __( 'In the gallery, first', '3d-and-ar-models-for-woocommerce' ),
									'last'   => __( 'In the gallery, last', '3d-and-ar-models-for-woocommerce' ),
									'after'  => __( 'Under the gallery, always shown', '3d-and-ar-models-for-woocommerce' ),
								);
								foreach ( $positions as $value => $label ) :
									?>
									<option value="<?php echo esc_attr( $value ); ?>" <?php selected( $settings['gallery_position'], $value ); ?>><?php echo esc_html( $label ); ?></option>
								<?php endforeach; ?>
							</select>
							<p class="description"><?php esc_html_e( 'In the gallery, the model is one more item with a 3D badge: its viewer loads only when a shopper opens it. The [woo3d_model] shortcode and the "Product 3D model" block show it anywhere else.', '3d-and-ar-models-for-woocommerce' ); ?></p>
						</td>
					</tr>
					<tr>
						<th scope="row"><?php esc_html_e( 'Uninstall', '3d-and-ar-models-for-woocommerce' ); ?></th>
						<td>
							<label><input type="checkbox" id="woo3d-delete-data" name="<?php echo esc_attr( $name ); ?>[delete_data_on_uninstall]" value="1" <?php checked( $settings['delete_data_on_uninstall'] ); ?> /> <?php esc_html_e( 'Also delete every product\'s 3D model metadata when the plugin is deleted', '3d-and-ar-models-for-woocommerce' ); ?></label>
						</td>
					</tr>
				</table>
				<?php submit_button(); ?>
			</form>
			<h2><?php esc_html_e( 'Connection', '3d-and-ar-models-for-woocommerce' ); ?></h2>
			<p><?php esc_html_e( 'Checks the saved settings: the backend answers, and it accepts the token.', '3d-and-ar-models-for-woocommerce' ); ?></p>
			<p>
				<button type="button" class="button" id="woo3d-test-connection"><?php esc_html_e( 'Test connection', '3d-and-ar-models-for-woocommerce' ); ?></button>
				<span id="woo3d-test-result" class="woo3d-test-result" role="status" aria-live="polite"></span>
			</p>
		</div>
		<?php
	}
}
