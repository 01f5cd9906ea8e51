{% autoescape off %}// Minsheng's phone pages offline (monitoring/phone.py renders this file with its configuration).
// Cached: the static files of the phone pages and the queue page (the page shell, no personal data in it).
// Never cached: a visit page (it names a person), any answer of the application's endpoints.
const CONFIG = {{ config }};
const CACHE = "minsheng-visit-" + CONFIG.version;
const PHONE_PAGE = new RegExp(CONFIG.phone);
const KEPT = new Set(CONFIG.precache);

async function keep(cache, url, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    await cache.put(url, response.clone());
  }
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One by one and forgiving: a signed-out phone gets the login page for the queue page, which is not kept.
    await Promise.all(CONFIG.precache.map(async (url) => {
      try {
        await keep(cache, url, await fetch(url, { credentials: "same-origin", cache: "no-cache" }));
      } catch (error) {
        // offline while installing: the next visit fills the cache
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("minsheng-visit-") && key !== CACHE) {
        await caches.delete(key);
      }
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;  // the visit itself goes to the network, or stays in the page's queue
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" && PHONE_PAGE.test(url.pathname)) {
    // The visit page from the network only; offline, the queue page stands in (the visits kept on the phone).
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(CONFIG.shell)) || Response.error()),
    );
    return;
  }
  if (KEPT.has(url.pathname) && !url.search) {
    // Network first (always the current file), the kept copy when offline.
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      try {
        return await keep(cache, url.pathname, await fetch(request));
      } catch (error) {
        return (await cache.match(url.pathname)) || Response.error();
      }
    })());
  }
  // Everything else: the browser's own handling, as if there were no worker.
});
{% endautoescape %}
