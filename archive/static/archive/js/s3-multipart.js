/*
 * Direct upload of a large file from the browser to S3, by presigned multipart upload.
 *
 * Django (archive/s3_upload.py) opens the upload, signs a URL for each part and, once every part
 * is in the bucket, joins them and hands the file to the archive; the bytes themselves go straight
 * from the browser to S3. Plain ES2017, no dependencies, no build step.
 *
 *   const result = await window.ArchiveS3Upload.uploadToS3(file, {
 *     agency: 3,
 *     csrfToken: "…",
 *     baseUrl: "/admin/archive/s3/",
 *     onProgress: ({loaded, total, fraction}) => { … },
 *   });
 *   // result: {id, kind, duplicate, message, state}
 *
 * A failed error carries the server's translated message (error.message) and HTTP status (error.status).
 * Pass `signal` (an AbortSignal) to let the user cancel; the upload is then aborted on S3 too.
 *
 * The bucket must allow the admin's origin to PUT and must expose the ETag header to JavaScript
 * (S3 CORS rule: AllowedMethods PUT, ExposeHeaders ETag); without ETags the upload cannot be joined.
 */
(function (global) {
  "use strict";

  var SIGN_BATCH = 50; // part URLs asked for in one request
  var MAX_BACKOFF_MS = 30000;

  class UploadError extends Error {
    constructor(message, status, retryable) {
      super(message);
      this.name = "UploadError";
      this.status = status || 0; // HTTP status, 0 for a network failure
      this.retryable = Boolean(retryable);
    }
  }

  function sleep(ms, signal) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(resolve, ms);
      if (signal) {
        signal.addEventListener(
          "abort",
          function () {
            clearTimeout(timer);
            reject(new UploadError("Upload cancelled.", 0, false));
          },
          { once: true }
        );
      }
    });
  }

  /** Exponential backoff with jitter: 0.5 s, 1 s, 2 s … capped at 30 s. */
  function backoff(attempt) {
    var base = Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, attempt));
    return base / 2 + Math.random() * (base / 2);
  }

  async function postJSON(url, body, csrfToken, signal) {
    var response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken,
        },
        body: JSON.stringify(body),
        signal: signal,
      });
    } catch (networkError) {
      throw new UploadError(networkError.message || "Network error.", 0, true);
    }
    var data = {};
    try {
      data = await response.json();
    } catch (notJson) {
      data = {};
    }
    if (!response.ok) {
      var retryable = response.status >= 500 || response.status === 429;
      throw new UploadError(data.error || response.statusText, response.status, retryable);
    }
    return data;
  }

  /** PUT one Blob to its presigned URL; resolves with S3's ETag for the part. */
  function putPart(url, blob, onLoaded, signal) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      var onAbort = function () {
        xhr.abort();
      };
      xhr.open("PUT", url);
      xhr.upload.onprogress = function (event) {
        onLoaded(event.loaded);
      };
      xhr.onload = function () {
        if (signal) signal.removeEventListener("abort", onAbort);
        if (xhr.status >= 200 && xhr.status < 300) {
          var etag = xhr.getResponseHeader("ETag");
          if (!etag) {
            // Not worth retrying: the bucket's CORS rules do not expose ETag to JavaScript.
            reject(new UploadError("The storage did not expose the part's ETag (check the bucket's CORS rules).", 0, false));
            return;
          }
          onLoaded(blob.size);
          resolve(etag);
          return;
        }
        // 403: the presigned URL may have expired, a fresh one is signed before the retry.
        var retryable = xhr.status >= 500 || xhr.status === 403 || xhr.status === 408 || xhr.status === 429;
        reject(new UploadError("The storage refused a part (HTTP " + xhr.status + ").", xhr.status, retryable));
      };
      xhr.onerror = function () {
        if (signal) signal.removeEventListener("abort", onAbort);
        reject(new UploadError("Network error while sending a part.", 0, true));
      };
      xhr.onabort = function () {
        if (signal) signal.removeEventListener("abort", onAbort);
        reject(new UploadError("Upload cancelled.", 0, false));
      };
      if (signal) signal.addEventListener("abort", onAbort);
      xhr.send(blob);
    });
  }

  /**
   * Upload `file` (a File or Blob with a name) to the archive through S3.
   * Options: agency (id), csrfToken, baseUrl (default "/admin/archive/s3/"), onProgress,
   * concurrency (parts in flight, default 3), retries (per part, default 5), signal (AbortSignal).
   */
  async function uploadToS3(file, options) {
    var opts = Object.assign({ baseUrl: "/admin/archive/s3/", concurrency: 3, retries: 5 }, options || {});
    var base = opts.baseUrl.replace(/\/?$/, "/");
    var csrfToken = opts.csrfToken;
    var controller = new AbortController(); // stops the other parts when one fails for good
    if (opts.signal) {
      if (opts.signal.aborted) controller.abort();
      opts.signal.addEventListener("abort", function () {
        controller.abort();
      });
    }
    var signal = controller.signal;

    var created = await postJSON(
      base + "create/",
      { agency: opts.agency, filename: file.name || "file", size: file.size, content_type: file.type || "" },
      csrfToken,
      signal
    );
    var ids = { key: created.key, upload_id: created.upload_id, token: created.token };
    var partSize = created.part_size;
    var count = created.part_count;
    var loaded = new Array(count + 1).fill(0);
    var etags = new Array(count + 1);
    var batches = new Map(); // batch index → Promise of {part number: url}

    function report() {
      if (typeof opts.onProgress !== "function") return;
      var sent = loaded.reduce(function (sum, n) {
        return sum + n;
      }, 0);
      opts.onProgress({ loaded: sent, total: file.size, fraction: file.size ? sent / file.size : 1 });
    }

    function sign(numbers) {
      var body = Object.assign({ part_numbers: numbers }, ids);
      return postJSON(base + "sign/", body, csrfToken, signal);
    }

    /** The URL of part `n`, signed in batches of SIGN_BATCH parts; `fresh` signs it anew. */
    async function urlFor(n, fresh) {
      if (fresh) return (await sign([n]))[String(n)];
      var index = Math.floor((n - 1) / SIGN_BATCH);
      if (!batches.has(index)) {
        var numbers = [];
        for (var p = index * SIGN_BATCH + 1; p <= Math.min(count, (index + 1) * SIGN_BATCH); p++) numbers.push(p);
        var pending = sign(numbers);
        pending.catch(function () {
          batches.delete(index); // a failed signing is asked again on the next attempt
        });
        batches.set(index, pending);
      }
      return (await batches.get(index))[String(n)];
    }

    async function uploadPart(n) {
      var blob = file.slice((n - 1) * partSize, Math.min(file.size, n * partSize));
      for (var attempt = 0; ; attempt++) {
        try {
          var url = await urlFor(n, attempt > 0);
          return await putPart(
            url,
            blob,
            function (bytes) {
              loaded[n] = bytes;
              report();
            },
            signal
          );
        } catch (error) {
          loaded[n] = 0;
          report();
          if (signal.aborted || !error.retryable || attempt >= opts.retries) throw error;
          await sleep(backoff(attempt), signal);
        }
      }
    }

    var next = 1;
    async function worker() {
      while (next <= count) {
        var n = next++;
        etags[n] = await uploadPart(n);
      }
    }

    try {
      var workers = [];
      for (var w = 0; w < Math.max(1, Math.min(opts.concurrency, count)); w++) workers.push(worker());
      await Promise.all(workers);
      var parts = [];
      for (var i = 1; i <= count; i++) parts.push({ PartNumber: i, ETag: etags[i] });
      return await postJSON(base + "complete/", Object.assign({ parts: parts }, ids), csrfToken, signal);
    } catch (error) {
      controller.abort();
      // Best effort: S3 drops the parts already sent. Harmless if the server already finished or refused it.
      postJSON(base + "abort/", ids, csrfToken).catch(function () {});
      throw error;
    }
  }

  global.ArchiveS3Upload = { uploadToS3: uploadToS3, UploadError: UploadError };
})(window);
