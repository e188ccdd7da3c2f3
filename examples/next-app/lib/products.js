/** The products the cart accepts, by SKU. */
export const PRODUCTS = {
  beans: 'Espresso beans, 250 g',
  tea: 'Sencha green tea',
  mug: 'Stoneware mug',
};
