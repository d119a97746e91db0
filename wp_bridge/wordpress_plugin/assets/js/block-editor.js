/**
 * woo3d "Product 3D model" block: a product id setting and a server-rendered preview.
 */
( function ( blocks, blockEditor, components, element, i18n, ServerSideRender ) {
	'use strict';
	const el = element.createElement;
	const __ = i18n.__;

	blocks.registerBlockType( 'woo3d/model', {
		apiVersion: 2,
		title: __( 'Product 3D model', '3d-and-ar-models-for-woocommerce' ),
		category: 'media',
		icon: 'visibility',
		attributes: { productId: { type: 'integer', default: 0 } },
		edit: function ( props ) {
			return el(
				'div',
				blockEditor.useBlockProps(),
				el(
					blockEditor.InspectorControls,
					null,
					el(
						components.PanelBody,
						{ title: __( 'Product', '3d-and-ar-models-for-woocommerce' ) },
						el( components.TextControl, {
							label: __( 'Product ID (blank: the current product)', '3d-and-ar-models-for-woocommerce' ),
							type: 'number',
							value: props.attributes.productId || '',
							onChange: function ( value ) {
								props.setAttributes( { productId: parseInt( value, 10 ) || 0 } );
							},
						} )
					)
				),
				el( ServerSideRender, { block: 'woo3d/model', attributes: props.attributes } )
			);
		},
		save: function () {
			return null;
		},
	} );
}(
	window.wp.blocks,
	window.wp.blockEditor,
	window.wp.components,
	window.wp.element,
	window.wp.i18n,
	window.wp.serverSideRender
) );
