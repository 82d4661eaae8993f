/*
 * The archive's upload page: every chosen file gets a row with its own progress bar and the server's answer.
 *
 * With S3 configured (data-s3="true") each file goes straight to the bucket (s3-multipart.js) and the
 * sharing, licence and credit follow in a small POST; otherwise each file is POSTed to Django with
 * XMLHttpRequest, whose upload events drive the bar. Files go one after the other: a reporter on a
 * phone's connection gets the first one finished rather than all of them half sent.
 * Plain ES2017, no build step. Messages come translated from the page (#archive-upload-messages).
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-archive-upload]");
  if (!form) return;
  var list = document.querySelector("[data-archive-upload-list]");
  var input = form.querySelector("input[type=file]");
  var text = JSON.parse(document.getElementById("archive-upload-messages").textContent);
  var csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function field(name) {
    var element = form.elements.namedItem(name);
    return element ? element.value : "";
  }

  /** A row for one file: its name, a progress bar and a status line. */
  function addRow(file) {
    var item = document.createElement("li");
    item.className = "archive-upload__item";
    var name = document.createElement("span");
    name.className = "archive-upload__name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    var status = document.createElement("p");
    status.className = "archive-upload__status";
    status.textContent = text.waiting;
    item.append(name, bar, status);
    list.append(item);
    return {
      item: item,
      progress: function (fraction) {
        bar.value = Math.round(fraction * 100);
        status.textContent = fraction < 1 ? text.sending.replace("%(percent)s", bar.value) : text.checking;
      },
      finish: function (result) {
        bar.value = 100;
        item.dataset.state = result.duplicate ? "duplicate" : "done";
        status.textContent = (result.duplicate ? text.duplicate : text.done) + ": " + result.message + " ";
        if (result.detail_url) {
          var link = document.createElement("a");
          link.href = result.detail_url;
          link.textContent = text.open;
          status.append(link);
        }
      },
      fail: function (message) {
        item.dataset.state = "refused";
        status.textContent = text.refused + ": " + message;
      },
    };
  }

  function formData(extra) {
    var data = new FormData();
    data.append("agency", field("agency"));
    data.append("sharing", field("sharing"));
    data.append("licence", field("licence"));
    data.append("credit", field("credit"));
    Object.keys(extra).forEach(function (key) {
      data.append(key, extra[key]);
    });
    return data;
  }

  /** POST through XMLHttpRequest (fetch reports no upload progress); resolves with the JSON answer. */
  function post(url, data, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrfToken);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      if (onProgress) {
        xhr.upload.onprogress = function (event) {
          if (event.lengthComputable) onProgress(event.loaded / event.total);
        };
      }
      xhr.onload = function () {
        var answer = {};
        try {
          answer = JSON.parse(xhr.responseText);
        } catch (notJson) {
          answer = {};
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(answer);
        else reject(new Error(answer.error || xhr.statusText || String(xhr.status)));
      };
      xhr.onerror = function () {
        reject(new Error(text.network));
      };
      xhr.send(data);
    });
  }

  async function sendThroughDjango(file, row) {
    return post(form.dataset.fileUrl, formData({ file: file }), row.progress);
  }

  async function sendToS3(file, row) {
    var result = await window.ArchiveS3Upload.uploadToS3(file, {
      agency: field("agency"),
      csrfToken: csrfToken,
      baseUrl: form.dataset.s3BaseUrl,
      onProgress: function (progress) {
        row.progress(progress.fraction);
      },
    });
    if (!result.duplicate) {
      // The S3 flow carries only the agency; what else was chosen here is applied now. The file is in
      // the archive either way, so a failure here is not reported as a refusal of the file.
      try {
        var details = await post(form.dataset.detailsUrl, formData({ id: result.id, kind: result.kind }));
        result.detail_url = details.detail_url;
      } catch (notApplied) {
        result.message += " " + notApplied.message;
      }
    }
    return result;
  }

  async function sendAll(files) {
    var rows = files.map(addRow);
    var send = form.dataset.s3 === "true" ? sendToS3 : sendThroughDjango;
    for (var i = 0; i < files.length; i++) {
      try {
        rows[i].progress(0);
        rows[i].finish(await send(files[i], rows[i]));
      } catch (error) {
        rows[i].fail(error.message || text.network);
      }
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var files = Array.from(input.files || []);
    if (!files.length) {
      input.focus();
      window.alert(text.no_files);
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await sendAll(files);
    } finally {
      button.disabled = false;
      input.value = "";
    }
  });
})();
