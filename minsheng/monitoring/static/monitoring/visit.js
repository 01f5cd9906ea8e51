// The home visit on a phone (monitoring/phone.py, issue 17 point 5). No inline scripts (the CSP forbids them), and
// no words of its own: every text comes from the page's data attributes, rendered from the .po.
//
// The visit is kept in the phone's IndexedDB (photos as Blobs) under the UUID made when the page opened, before it
// is sent; it is sent when the phone is online (on page load, on the `online` event, every half minute) and leaves
// the phone only after the platform answered 201 (new) or 200 (received before: the same visit, so it counts as
// sent). The platform keeps one visit per UUID, so a visit sent twice arrives once.
(() => {
  "use strict";

  const app = document.getElementById("visit-app");
  if (!app) {
    return;
  }
  const words = app.dataset;
  const DB_NAME = "minsheng-visits";
  const STORE = "queue";
  const PHOTO_EDGE = 1600; // px: a 4G upload of a few hundred KB, enough to see a home's state
  const THUMB_EDGE = 144;
  const RETRY_MS = 30000;

  // --- The queue in IndexedDB ----------------------------------------------------------------------------------

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "uuid" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function inStore(mode, action) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => {
        db.close();
        resolve(request.result);
      };
      transaction.onerror = transaction.onabort = () => {
        db.close();
        reject(transaction.error);
      };
    });
  }

  const queuePut = (record) => inStore("readwrite", (store) => store.put(record));
  const queueDelete = (uuid) => inStore("readwrite", (store) => store.delete(uuid));
  const queueAll = () => inStore("readonly", (store) => store.getAll());

  // --- Small helpers -------------------------------------------------------------------------------------------

  function newUuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") {
      return crypto.randomUUID();
    }
    // Plain HTTP (no secure context): the same version-4 UUID from the same random source.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function localTime(value) {
    return new Date(value).toLocaleString("zh-CN", { hour12: false });
  }

  // --- The network badge and the service worker ----------------------------------------------------------------

  const network = document.getElementById("network-state");

  function showNetwork() {
    if (network) {
      network.textContent = navigator.onLine ? network.dataset.online : network.dataset.offline;
      network.dataset.state = navigator.onLine ? "online" : "offline";
    }
  }

  function registerWorker() {
    if ("serviceWorker" in navigator && words.sw) {
      navigator.serviceWorker.register(words.sw, { scope: words.swScope }).catch(() => {
        // No worker (plain HTTP, or the browser refuses): the page and its queue work all the same while open.
      });
    }
  }

  // --- The visit form ------------------------------------------------------------------------------------------

  const form = document.getElementById("visit-form");
  const stateBox = document.getElementById("visit-state");
  const photos = []; // {blob, thumb, stage}
  let currentUuid = null; // the visit saved from this page

  function showState(state, extra) {
    if (!stateBox) {
      return;
    }
    const text = {
      kept: words.msgKept,
      sending: words.msgSending,
      sent: words.msgSent,
      refused: words.msgRefused,
      login: words.msgLogin,
      failed: words.msgFailed,
    }[state];
    stateBox.hidden = false;
    stateBox.dataset.state = state;
    stateBox.textContent = extra ? `${text} ${extra}` : text;
    if (state === "login" && words.loginUrl) {
      const link = document.createElement("a");
      link.href = `${words.loginUrl}?next=${encodeURIComponent(location.pathname)}`;
      link.className = "ms-1";
      link.textContent = "→";
      stateBox.append(link);
    }
  }

  function lockForm(locked) {
    if (!form) {
      return;
    }
    for (const element of form.querySelectorAll("input, select, textarea, button")) {
      element.disabled = locked;
    }
  }

  function clearErrors() {
    if (!form) {
      return;
    }
    for (const element of form.querySelectorAll("[data-error-for]")) {
      element.textContent = "";
    }
    const general = document.getElementById("visit-errors");
    general.hidden = true;
    general.textContent = "";
  }

  function showErrors(errors) {
    const general = document.getElementById("visit-errors");
    for (const [field, messages] of Object.entries(errors || {})) {
      const text = [].concat(messages).join(" ");
      const place = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
      if (place) {
        place.textContent = text;
      } else {
        general.hidden = false;
        general.textContent = `${general.textContent} ${text}`.trim();
      }
    }
  }

  function drawn(bitmap, edge, asDataUrl) {
    const scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    if (asDataUrl) {
      return Promise.resolve(canvas.toDataURL("image/jpeg", 0.7));
    }
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  }

  // A photo drawn again as a JPEG of at most PHOTO_EDGE px: small enough for 4G, and without the camera's
  // metadata (which may hold the place where it was taken, when the person did not allow a location).
  async function preparePhoto(file) {
    try {
      const bitmap = await createImageBitmap(file);
      const blob = await drawn(bitmap, PHOTO_EDGE, false);
      const thumb = await drawn(bitmap, THUMB_EDGE, true);
      bitmap.close();
      return { blob: blob || file, thumb };
    } catch (error) {
      return { blob: file, thumb: "" }; // not an image the phone can read: the platform says why it is refused
    }
  }

  // Each photo input (one, or one per stage of the visit's kind) shows its own photos in its own list.
  function showPhotos() {
    for (const input of form.querySelectorAll("[data-photo-input]")) {
      document.getElementById(input.dataset.list).replaceChildren();
    }
    photos.forEach((photo, index) => {
      const input = form.querySelector(`[data-photo-input][data-stage="${CSS.escape(photo.stage)}"]`);
      const list = input && document.getElementById(input.dataset.list);
      if (!list) {
        return;
      }
      const item = document.createElement("li");
      if (photo.thumb) {
        const image = document.createElement("img");
        image.src = photo.thumb; // a data: URL (the CSP allows no blob: images)
        image.alt = `${words.msgPhoto} ${index + 1}`;
        item.append(image);
      } else {
        item.append(`${words.msgPhoto} ${index + 1}`);
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-link btn-sm p-0";
      remove.textContent = words.msgRemove;
      remove.addEventListener("click", () => {
        photos.splice(index, 1);
        showPhotos();
      });
      item.append(remove);
      list.append(item);
    });
  }

  function setUpForm() {
    const uuidInput = document.getElementById("visit-uuid");
    uuidInput.value = newUuid(); // made when the page opens: the visit's identity from here to the platform

    document.getElementById("checkin-button").addEventListener("click", () => {
      const now = new Date();
      document.getElementById("checked-in-at").value = now.toISOString();
      document.getElementById("checkin-time").textContent = localTime(now);
      form.querySelector('[data-error-for="checked_in_at"]').textContent = "";
    });

    const consent = document.getElementById("location-consent");
    const locationState = document.getElementById("location-state");
    const latitude = document.getElementById("latitude");
    const longitude = document.getElementById("longitude");
    const noLocation = () => {
      latitude.value = "";
      longitude.value = "";
    };
    consent.addEventListener("change", () => {
      noLocation();
      locationState.textContent = "";
      if (!consent.checked) {
        return;
      }
      if (!navigator.geolocation) {
        consent.checked = false;
        locationState.textContent = words.msgLocationOff;
        return;
      }
      navigator.geolocation.getCurrentPosition(
        (position) => {
          if (!consent.checked) {
            return; // consent withdrawn while the phone looked
          }
          latitude.value = position.coords.latitude.toFixed(6);
          longitude.value = position.coords.longitude.toFixed(6);
          locationState.textContent = words.msgLocationOn;
        },
        () => {
          consent.checked = false;
          noLocation();
          locationState.textContent = words.msgLocationOff;
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
      );
    });

    for (const radio of form.querySelectorAll("input[name=outcome]")) {
      radio.addEventListener("change", () => {
        for (const part of form.querySelectorAll("[data-outcome-part]")) {
          part.hidden = part.dataset.outcomePart !== radio.value;
        }
      });
    }

    const checkout = document.getElementById("checkout-button");
    if (checkout) {
      // A timed visit: the check-out time, and how long the visit lasted.
      checkout.addEventListener("click", () => {
        const checkedIn = document.getElementById("checked-in-at").value;
        const errorPlace = form.querySelector('[data-error-for="checked_out_at"]');
        if (!checkedIn) {
          errorPlace.textContent = words.msgCheckin;
          return;
        }
        const now = new Date();
        const minutes = Math.max(0, Math.floor((now - new Date(checkedIn)) / 60000));
        document.getElementById("checked-out-at").value = now.toISOString();
        document.getElementById("checkout-time").textContent =
          `${words.msgCheckedOut} ${localTime(now)} · ${words.msgDuration} ${minutes} ${words.msgMinutes}`;
        errorPlace.textContent = "";
      });
    }

    for (const photoInput of form.querySelectorAll("[data-photo-input]")) {
      const photosMax = Number(photoInput.dataset.max || 6);
      photoInput.addEventListener("change", async () => {
        const errorPlace = form.querySelector('[data-error-for="photos"]');
        errorPlace.textContent = "";
        for (const file of Array.from(photoInput.files || [])) {
          if (photos.length >= photosMax) {
            errorPlace.textContent = words.msgPhotosMax;
            break;
          }
          photos.push({ ...(await preparePhoto(file)), stage: photoInput.dataset.stage || "" });
        }
        photoInput.value = "";
        showPhotos();
      });
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors();
      if (!document.getElementById("checked-in-at").value) {
        form.querySelector('[data-error-for="checked_in_at"]').textContent = words.msgCheckin;
        return;
      }
      const checkedOut = document.getElementById("checked-out-at");
      if (checkedOut && !checkedOut.value) {
        form.querySelector('[data-error-for="checked_out_at"]').textContent = words.msgCheckout;
        return;
      }
      const answers = {};
      for (const field of form.querySelectorAll("[data-answer]")) {
        if (field.value.trim()) {
          answers[field.dataset.answer] = field.value.trim();
        }
      }
      const fields = [];
      for (const [name, value] of new FormData(form).entries()) {
        if (name !== "csrfmiddlewaretoken" && name !== "client_uuid" && typeof value === "string") {
          fields.push([name, value]);
        }
      }
      fields.push(["answers", JSON.stringify(answers)]);
      const record = {
        uuid: uuidInput.value,
        url: form.action,
        alert: form.dataset.alert,
        // What the queue shows of it: the kind and the subject's number, no personal data.
        kindLabel: form.dataset.kindLabel || "",
        subject: form.dataset.subject || form.dataset.alert,
        fields,
        photos: photos.map((photo) => photo.blob),
        stages: photos.map((photo) => photo.stage),
        savedAt: Date.now(),
        state: "queued",
      };
      try {
        await queuePut(record); // kept on the phone before anything is sent
      } catch (error) {
        showState("failed");
        return;
      }
      currentUuid = record.uuid;
      lockForm(true);
      showState("kept");
      await showQueue();
      flush();
    });
  }

  // --- Sending ------------------------------------------------------------------------------------------------

  // Sends one kept visit; true when sending should stop for now (offline, signed out, the platform unwell).
  async function send(record) {
    const mine = record.uuid === currentUuid;
    const body = new FormData();
    for (const [name, value] of record.fields) {
      body.append(name, value);
    }
    body.append("client_uuid", record.uuid);
    record.photos.forEach((blob, index) => {
      const stage = (record.stages || [])[index] || "";
      const name = stage ? `photos_${stage}` : "photos";
      body.append(name, blob, `photo-${index + 1}.${blob.type === "image/png" ? "png" : "jpg"}`);
    });
    if (mine) {
      showState("sending");
    }
    let response;
    try {
      response = await fetch(record.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
    } catch (error) {
      if (mine) {
        showState("kept");
      }
      return true; // no connection after all: it stays on the phone
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if ((response.status === 201 || response.status === 200) && data && data.client_uuid === record.uuid) {
      await queueDelete(record.uuid); // received (now, or before: the same visit) — it leaves the phone
      if (mine) {
        const flags = (data.flags || []).length ? ` ${words.msgFlags} ${data.flags.join("、")}` : "";
        showState("sent", `${data.message || ""}${flags}`);
        const status = document.getElementById("visit-alert-status");
        if (status && data.alert_status) {
          status.textContent = data.alert_status;
        }
      }
      return false;
    }
    if (response.status === 401 || response.status === 403) {
      showState("login"); // on the queue page too: its kept token may be older than the worker's last sign-in
      return true; // kept until the worker signs in again
    }
    if (response.status === 400 || response.status === 404 || response.status === 413) {
      const errors = (data && data.errors) || {};
      if (mine) {
        await queueDelete(record.uuid); // corrected and saved again from this page, under the same UUID
        lockForm(false);
        showErrors(errors);
        showState("refused");
      } else {
        record.state = "refused";
        record.errors = Object.values(errors).flat().join(" ");
        await queuePut(record);
      }
      return false;
    }
    if (mine) {
      showState("kept");
    }
    return true; // the platform is unwell: try again later
  }

  let flushing = false;
  let again = false;

  async function flushOnce() {
    for (const record of await queueAll()) {
      if (record.state !== "queued") {
        continue;
      }
      if (!navigator.onLine || (await send(record))) {
        break;
      }
    }
  }

  async function flush() {
    if (flushing) {
      again = true;
      return;
    }
    flushing = true;
    try {
      do {
        again = false;
        if (navigator.locks) {
          // One tab sends at a time; the platform would keep one visit anyway.
          await navigator.locks.request("minsheng-visit-send", flushOnce);
        } else {
          await flushOnce();
        }
      } while (again);
    } catch (error) {
      // storage unavailable: nothing kept, nothing to send
    } finally {
      flushing = false;
      await showQueue();
    }
  }

  // --- The list of visits kept on the phone (no personal data: the kind, the subject's number and the time) -------

  async function showQueue() {
    const list = document.getElementById("queue-list");
    const count = document.getElementById("queue-count");
    if (!list) {
      return;
    }
    let records = [];
    try {
      records = await queueAll();
    } catch (error) {
      records = [];
    }
    count.textContent = String(records.length);
    list.replaceChildren();
    if (!records.length) {
      const empty = document.createElement("li");
      empty.className = "list-group-item text-muted small";
      empty.textContent = words.msgQueueEmpty;
      list.append(empty);
      return;
    }
    for (const record of records) {
      const item = document.createElement("li");
      item.className = "list-group-item small";
      item.dataset.uuid = record.uuid;
      item.dataset.state = record.state;
      const label = record.kindLabel || words.msgVisitOf;
      item.textContent = `${label} #${record.subject || record.alert} · ${localTime(record.savedAt)} · `;
      if (record.state === "refused") {
        item.append(`${words.msgRefusedKept} ${record.errors || ""}`);
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-link btn-sm p-0 ms-1";
        remove.textContent = words.msgRemove;
        remove.addEventListener("click", async () => {
          await queueDelete(record.uuid);
          await showQueue();
        });
        item.append(remove);
      } else {
        item.append(words.msgQueued);
      }
      list.append(item);
    }
  }

  // --- Start ----------------------------------------------------------------------------------------------------

  if (form) {
    setUpForm();
    form.dataset.ready = "ready"; // the visit's identity is made and the buttons listen: the page may be used
  }
  showNetwork();
  registerWorker();
  window.addEventListener("online", () => {
    showNetwork();
    flush();
  });
  window.addEventListener("offline", showNetwork);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      flush();
    }
  });
  window.setInterval(flush, RETRY_MS);
  flush();
})();
