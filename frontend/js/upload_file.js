// Uploading a file to an exhibitor's uploads with its progress (XMLHttpRequest: fetch reports no
// upload progress), its refusals as ApiError with the server's codes.

import { ApiError } from "./api.js";

/** Send a file as the raw body, reporting progress (0..1); resolves with the JSON reply. */
export function uploadFile(exhibitorId, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ filename: file.name || "upload" });
    xhr.open("POST", `/api/exhibitors/${exhibitorId}/uploads?${query}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const code = body?.error?.code || (xhr.status === 413 ? "too_large" : "internal");
      reject(new ApiError(code, body?.error?.message || xhr.statusText, xhr.status));
    });
    // A server refusing an oversized body may close the line before it answers.
    xhr.addEventListener("error", () => reject(new ApiError("network", "upload failed")));
    xhr.send(file);
  });
}
