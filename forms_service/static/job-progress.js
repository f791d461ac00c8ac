// A background job's page (letters in bulk: templates/html/bulk/job.html; an LA screen: la/screen_job.html): asks
// the service how far the job has got every second and a half and moves the progress bar and its words; once the
// job has finished (or failed) it reloads the page, which then shows the result. Without JavaScript the page
// refreshes itself (a meta refresh inside <noscript>).
const INTERVAL_MS = 1500

for (const box of document.querySelectorAll('[data-module="app-job-progress"]')) {
  const bar = box.querySelector('progress')
  const text = box.querySelector('[data-progress-text]')
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.progressUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (response.ok) {
        const job = await response.json()
        bar.max = Math.max(job.total, 1)
        bar.value = job.done
        bar.textContent = `${job.percent}%`
        text.textContent = job.text
        if (job.finished) {
          window.location.reload()
          return
        }
      }
    } catch (error) {
      // A dropped connection: try again at the next interval.
    }
    window.setTimeout(poll, INTERVAL_MS)
  }
  window.setTimeout(poll, INTERVAL_MS)
}
