// Traffic shaped like examples/storefront/kong.yaml's shop: mostly browsing (catalog and search
// reads), some basket writes, fewer checkouts, all with the customers' keys; a few requests without
// credentials and CORS preflights from the web front. The rate is the run's --rate with a flash
// sale every 30 s: three times --rate for 5 s.
// Shares (out of 100): browse 60, basket 22, checkout 9, account 3, refused 4, preflight 2.
import { defineProfile, spikes } from "../harness/load/profile.ts";

export default defineProfile({
  name: "storefront",
  description: "storefront mix (browse 60, basket 22, checkout 9, account 3, refused 4, preflight 2) at --rate with 3x spikes for 5 s every 30 s",
  mix: [
    // Browsing: product lists and pages, categories, brands, shop pages, search.
    { route: ["catalog-products", "catalog-product-detail", "catalog-categories", "catalog-brands", "catalog-shop-pages"], purpose: "reach", method: "GET", share: 38 },
    { route: ["search-query", "search-facets", "search-suggest"], purpose: "reach", method: "GET", share: 20 },
    { route: "media-images", purpose: "reach", share: 2 },
    // The basket, with the storefront app's key.
    // The routes' reach probes carry a customer's key, so these requests also count against the basket's shared rate limit.
    { route: "cart-view", purpose: "reach", share: 8 },
    { route: ["cart-items-add", "cart-item-change", "cart-merge", "cart-promo-codes"], purpose: "reach", share: 14 },
    // Checkout: customers' sessions, payments and order status; the payment provider's callback.
    { route: ["checkout-sessions", "checkout-payments", "checkout-order-status"], purpose: "reach", share: 8 },
    { route: "checkout-psp-webhook", purpose: "credential", credential: "basic-auth", share: 1 },
    { route: "accounts-me", purpose: "credential", credential: "key-auth", share: 3 },
    // Requests the gateway must refuse: expired sessions, scrapers.
    { route: ["cart-view", "cart-items-add", "checkout-sessions"], purpose: ["no-credentials", "wrong-credentials"], share: 4 },
    { purpose: "cors-preflight", route: ["catalog-products", "catalog-product-detail", "search-query"], share: 2 },
  ],
  rate: (ctx) => spikes({ base: ctx.rate, peak: ctx.rate * 3, everyMs: 30_000, forMs: 5_000 }),
});
