<?php
/**
 * The WordPress.org Plugin Check rules that are not PHPCS sniffs, run outside WordPress on an unpacked plugin:
 * its readme (through the directory's own readme parser) and header, its trademarks (Plugin Check's own class),
 * and its file names and types. Prints one JSON list of findings: check, level, code, file, message.
 *
 * Usage: php review-checks.php PLUGIN_DIR TOOLS_DIR LATEST_WORDPRESS
 *
 * @package woo3d
 */

// phpcs:disable -- a test harness, run by the test tier, not shipped.

namespace WordPress\Plugin_Check\Checker {
	// The few names Trademarks_Check needs from Plugin Check's framework, which needs WordPress.
	class Check_Categories {
		const CATEGORY_PLUGIN_REPO = 'plugin_repo';
	}
	class Check_Result {}
}

namespace WordPress\Plugin_Check\Checker\Checks {
	abstract class Abstract_File_Check {}
}

namespace WordPress\Plugin_Check\Traits {
	trait Amend_Check_Result {}
	trait Find_Readme {}
	trait Stable_Check {}
}

namespace WordPressdotorg\Plugin_Directory {
	// The directory renders sections with PHP Markdown; of it the parser needs only numbered lists
	// (the screenshots' captions), so this stand-in turns "1. caption" lines into list items.
	class Markdown {
		public function transform( $text ) {
			return preg_replace( '/^\d+\.\s+(.*)$/m', '<li>$1</li>', $text );
		}
	}
}

namespace {
	// Just enough of WordPress for the readme parser and the trademark rules.
	function __( $text ) { return $text; }
	function esc_html( $text ) { return htmlspecialchars( (string) $text, ENT_QUOTES ); }
	function force_balance_tags( $text ) { return $text; }
	function make_clickable( $text ) { return $text; }
	function wp_kses( $text, $allowed = array() ) { return $text; }
	function wpautop( $text ) { return $text; }
	function wp_strip_all_tags( $text ) { return trim( strip_tags( $text ) ); }
	function wp_list_pluck( $rows, $field ) { return array_column( $rows, $field ); }
	function taxonomy_exists( $taxonomy ) { return false; }
	function get_user_by( $field, $value ) { return false; } // WordPress.org's users are out of reach.
	function sanitize_title_with_dashes( $title ) {
		$title = str_replace( array( '—', '–' ), '-', strtolower( strip_tags( $title ) ) );
		$title = preg_replace( '/\s+/', '-', preg_replace( '/[^%a-z0-9 _-]/', '', $title ) );
		return trim( preg_replace( '/-+/', '-', $title ), '-' );
	}

	[ , $plugin, $tools, $latest ] = $argv;
	$slug     = basename( $plugin );
	$findings = array();
	$add      = function ( $check, $level, $code, $file, $message = '' ) use ( &$findings ) {
		$findings[] = compact( 'check', 'level', 'code', 'file', 'message' );
	};

	// The main file's header, read as WordPress's get_file_data() reads it.
	$head   = file_get_contents( "$plugin/$slug.php", false, null, 0, 8192 );
	$header = function ( $name ) use ( $head ) {
		return preg_match( '/^(?:[ \t]*<\?php)?[ \t\/*#@]*' . preg_quote( $name, '/' ) . ':(.*)$/mi', $head, $m ) ? trim( preg_replace( '/\s*(?:\*\/|\?>).*/', '', $m[1] ) ) : '';
	};

	// Plugin_Readme_Check, on what the directory's parser makes of readme.txt.
	require "$tools/readme-parser/class-parser.php";
	$readme = new \WordPressdotorg\Plugin_Directory\Readme\Parser( "$plugin/readme.txt" );
	$check  = 'readme';
	if ( empty( $readme->name ) ) {
		$add( $check, 'ERROR', 'empty_plugin_name', 'readme.txt' );
	} elseif ( html_entity_decode( $header( 'Plugin Name' ), ENT_QUOTES ) !== $readme->name ) {
		$add( $check, 'WARNING', 'mismatched_plugin_name', 'readme.txt', $readme->name );
	}
	if ( empty( $readme->tested ) ) {
		$add( $check, 'ERROR', 'missing_readme_header', 'readme.txt', 'Tested up to' );
	} elseif ( version_compare( $readme->tested, $latest, '<' ) ) {
		$add( $check, 'ERROR', 'outdated_tested_upto_header', 'readme.txt', "Tested up to: {$readme->tested}, WordPress $latest is out" );
	}
	if ( empty( $readme->stable_tag ) || 'trunk' === $readme->stable_tag ) {
		$add( $check, 'ERROR', 'no_stable_tag', 'readme.txt' );
	} elseif ( $readme->stable_tag !== $header( 'Version' ) ) {
		$add( $check, 'ERROR', 'stable_tag_mismatch', 'readme.txt', $readme->stable_tag );
	}
	if ( empty( $readme->license ) || '' === $header( 'License' ) ) {
		$add( $check, 'ERROR', 'no_license', 'readme.txt' );
	} elseif ( str_replace( '-', '', $readme->license ) !== str_replace( '-', '', $header( 'License' ) ) ) {
		$add( $check, 'WARNING', 'license_mismatch', 'readme.txt', "{$readme->license} / {$header( 'License' )}" );
	}
	foreach ( array_diff( array_keys( $readme->warnings ), array( 'contributor_ignored' ) ) as $warning ) {
		$add( $check, 'WARNING', "readme_parser_warnings_$warning", 'readme.txt' );
	}
	foreach ( $readme->upgrade_notice as $version => $notice ) {
		if ( strlen( $notice ) > 300 ) {
			$add( $check, 'WARNING', 'upgrade_notice_limit', 'readme.txt', (string) $version );
		}
	}
	// What the directory asks of a plugin that talks to services, and of any listing page.
	foreach ( array( 'description', 'installation', 'faq', 'screenshots', 'changelog' ) as $section ) {
		if ( empty( $readme->sections[ $section ] ) && empty( $readme->$section ) ) {
			$add( $check, 'WARNING', "missing_section_$section", 'readme.txt' );
		}
	}
	if ( ! preg_match( '/^==\s*External services\s*==/mi', file_get_contents( "$plugin/readme.txt" ) ) ) {
		$add( $check, 'ERROR', 'missing_external_services', 'readme.txt' );
	}
	if ( '' === $readme->license_uri && '' === $header( 'License URI' ) ) {
		$add( $check, 'WARNING', 'missing_license_uri', 'readme.txt' );
	}

	// Plugin_Header_Fields_Check.
	$check = 'plugin_header';
	foreach ( array( 'Plugin URI', 'Author URI', 'License URI' ) as $field ) {
		$url = $header( $field );
		if ( '' !== $url && ( filter_var( $url, FILTER_VALIDATE_URL ) !== $url || ! str_starts_with( $url, 'http' ) ) ) {
			$add( $check, 'WARNING', 'invalid_' . strtolower( str_replace( ' ', '_', $field ) ), "$slug.php", $url );
		}
	}
	if ( '' !== $header( 'Requires Plugins' ) && ! preg_match( '/^[a-z0-9-]+(?:,\s*[a-z0-9-]+)*$/', $header( 'Requires Plugins' ) ) ) {
		$add( $check, 'WARNING', 'invalid_requires_plugins', "$slug.php" );
	}
	if ( ( '' !== $header( 'Text Domain' ) ? $header( 'Text Domain' ) : $slug ) !== $slug ) {
		$add( $check, 'WARNING', 'textdomain_mismatch', "$slug.php" );
	}
	$domain_path = $header( 'Domain Path' );
	if ( '' === $domain_path ) {
		$add( $check, 'WARNING', 'missing_domain_path', "$slug.php" );
	} elseif ( ! is_dir( $plugin . '/' . trim( $domain_path, '/' ) ) ) {
		$add( $check, 'WARNING', 'nonexistent_domain_path', "$slug.php", $domain_path );
	}

	// Trademarks_Check: its own validators, on the slug and the name.
	require "$tools/plugin-check/includes/Checker/Checks/Plugin_Repo/Trademarks_Check.php";
	$trademarks = new \WordPress\Plugin_Check\Checker\Checks\Plugin_Repo\Trademarks_Check();
	foreach ( array( 'validate_slug_has_no_trademarks' => $slug, 'validate_name_has_no_trademarks' => $readme->name ) as $method => $value ) {
		$validate = new ReflectionMethod( $trademarks, $method );
		$validate->setAccessible( true );
		try {
			$validate->invoke( $trademarks, $value );
		} catch ( Exception $e ) {
			$add( 'trademarks', 'WARNING', 'trademarked_term', 'readme.txt', $e->getMessage() );
		}
	}

	// File_Type_Check and the other file rules, over every file Plugin Check enumerates.
	$files = new RecursiveIteratorIterator( new RecursiveDirectoryIterator( $plugin, FilesystemIterator::SKIP_DOTS ) );
	foreach ( $files as $file ) {
		$path = substr( $file->getPathname(), strlen( $plugin ) + 1 );
		$ext  = strtolower( pathinfo( $path, PATHINFO_EXTENSION ) );
		if ( preg_match( '#(^|/)(\.git|vendor|node_modules)/#', $path ) && ! str_starts_with( $path, 'assets/vendor/' ) ) {
			continue;
		}
		if ( in_array( $ext, array( 'zip', 'gz', 'tgz', 'rar', 'tar', '7z', 'phar' ), true ) ) {
			$add( 'file_type', 'ERROR', 'compressed_files', $path );
		}
		if ( in_array( $ext, array( 'a', 'bin', 'bpk', 'deploy', 'dist', 'distz', 'dmg', 'dms', 'ds_store', 'dump', 'elc', 'exe', 'iso', 'lha', 'lrf', 'lzh', 'o', 'obj', 'pkg', 'sh', 'so' ), true ) ) {
			$add( 'file_type', 'ERROR', 'application_detected', $path );
		}
		if ( preg_match( '/\s/', $path ) || preg_match( '/[!@#$%^&*()+=\[\]{};:"\'<>,?\/\\\\|`~]/', basename( $path ) ) ) {
			$add( 'file_type', 'ERROR', 'badly_named_files', $path );
		}
		if ( preg_match( '#(^|/)\.[^/]+$#', $path ) ) {
			$add( 'file_type', 'ERROR', 'hidden_files', $path );
		}
		if ( 'php' !== $ext ) {
			continue;
		}
		$code = file_get_contents( $file->getPathname() );
		foreach ( array( 'ALLOW_UNFILTERED_UPLOADS' => 'no_unfiltered_uploads', '#https?://(localhost|127\.0\.0\.1|[^/]*\.local(host)?)/#' => 'localhost', '#site_transient_update_plugins|plugin-update-checker|auto_update_plugin#' => 'plugin_updater' ) as $pattern => $rule ) {
			$found = '#' === $pattern[0] ? preg_match( $pattern, $code ) : str_contains( $code, $pattern );
			if ( $found ) {
				$add( $rule, 'ERROR', $rule . '_detected', $path );
			}
		}
	}

	echo json_encode( $findings, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ), "\n";
}
