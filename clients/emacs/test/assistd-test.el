;;; assistd-test.el --- ERT tests of assistd.el against the real assistd  -*- lexical-binding: t; -*-

;;; Commentary:

;; Each test starts the real binary ($ASSISTD_BIN) on its local backend with
;; the scripted test model and an in-memory database, drives the chat buffer
;; as a user would, and asserts on the buffer's text.  Every wait is bounded.
;; Run: test/run.sh (or emacs -Q --batch -L .. -l assistd-test.el -f assistd-test-run).

;;; Code:

(require 'ert)
(require 'package)
(require 'assistd)

(defvar assistd-test-binary
  (or (getenv "ASSISTD_BIN")
      (expand-file-name "../../../.build/debug/assistd"
                        (file-name-directory (or load-file-name buffer-file-name))))
  "The assistd executable under test.")

(defconst assistd-test-source
  (expand-file-name "../assistd.el" (file-name-directory (or load-file-name buffer-file-name))))

(defconst assistd-test-script
  "{\"turns\": [{\"text\": \"Hello there, friend.\", \"chunks\": 4, \"delay_ms\": 20}],
    \"rules\": [
      {\"when_last_is_tool\": true, \"turn\": {\"text\": \"The sum is {{last_tool_output}}.\"}},
      {\"when_last_user_contains\": \"add\",
       \"turn\": {\"tool_calls\": [{\"name\": \"big_add\", \"arguments\": {\"left\": 1, \"right\": 2}}]}},
      {\"when_last_user_contains\": \"story\",
       \"turn\": {\"text\": \"Once upon a time there was a story that never ends\", \"chunks\": 60, \"delay_ms\": 100}},
      {\"when_last_user_contains\": \"fail\",
       \"turn\": {\"error\": {\"kind\": \"rate_limited\", \"message\": \"slow down\"}}}]}"
  "The scripted model's replies, chosen by what the user says.")

(defconst assistd-test-wait-seconds 20
  "The longest any single wait in a test may take.")

(defun assistd-test--text (&optional buffer)
  "The text of the chat BUFFER (default *assistd*)."
  (let ((buffer (or buffer (get-buffer "*assistd*"))))
    (if (buffer-live-p buffer)
        (with-current-buffer buffer (buffer-substring-no-properties (point-min) (point-max)))
      "")))

(defun assistd-test--wait-for (what predicate &optional seconds)
  "Process input until PREDICATE holds; fail naming WHAT after SECONDS."
  (let ((deadline (+ (float-time) (or seconds assistd-test-wait-seconds))))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or (funcall predicate)
        (ert-fail (list (format "timed out waiting for %s" what) (assistd-test--text))))))

(defun assistd-test--idle-p (buffer)
  "Non-nil when no turn is under way in BUFFER."
  (not (buffer-local-value 'assistd--busy buffer)))

(defun assistd-test--say (buffer text &optional no-wait)
  "Type TEXT in the chat BUFFER and send it; wait for the turn's end unless NO-WAIT."
  (with-current-buffer buffer
    (goto-char (point-max))
    (insert text)
    (assistd-chat-send))
  (unless no-wait
    (assistd-test--wait-for (format "the reply to %S" text)
                            (lambda () (assistd-test--idle-p buffer)))))

(defun assistd-test--request (method params)
  "Send METHOD with PARAMS on the chat's connection; wait for and return the result."
  (let (answer)
    (assistd--request method params
                      (lambda (result) (setq answer (list :result result)))
                      (lambda (error) (setq answer (list :error error))))
    (assistd-test--wait-for (format "the answer to %s" method) (lambda () answer))
    (when (plist-get answer :error)
      (ert-fail (list method (plist-get answer :error))))
    (plist-get answer :result)))

(defun assistd-test--teardown ()
  "Kill the assistd process and the chat buffer, whatever state the test left."
  (let ((conn assistd--connection))
    (when conn
      (let ((process (assistd-process conn)))
        (when (process-live-p process)
          (delete-process process)))))
  (setq assistd--connection nil)
  (clrhash assistd--streams)
  (when (get-buffer "*assistd*")
    (kill-buffer "*assistd*")))

(defmacro assistd-test-with-chat (chat &rest body)
  "Run BODY with CHAT bound to a fresh chat buffer on a fresh assistd."
  (declare (indent 1) (debug t))
  `(let* ((dir (make-temp-file "assistd-el-test" t))
          (script (expand-file-name "script.json" dir))
          (assistd-program assistd-test-binary)
          (assistd-backend "local")
          (assistd-program-args (list "--ephemeral" "--model" (concat "scripted:" script)
                                      "--log-level" "warning"))
          (assistd-assistant '(:model "scripted" :name "test"))
          (assistd-tools nil)
          (assistd--threads nil))
     (with-temp-file script (insert assistd-test-script))
     (assistd-test--teardown)
     (unwind-protect
         (let ((,chat (assistd-chat)))
           ,@body)
       (assistd-test--teardown)
       (delete-directory dir t))))

;;;; The package itself

(ert-deftest assistd-test-package-header ()
  "The file is an installable package for Emacs 28 and jsonrpc."
  (with-temp-buffer
    (insert-file-contents assistd-test-source)
    (let ((desc (package-buffer-info)))
      (should (eq (package-desc-name desc) 'assistd))
      (should (equal (package-desc-version desc) '(0 1 0)))
      (should (equal (assq 'emacs (package-desc-reqs desc)) '(emacs (28 1)))))))

(ert-deftest assistd-test-byte-compiles-without-warnings ()
  (let* ((dir (make-temp-file "assistd-el-compile" t))
         (byte-compile-dest-file-function
          (lambda (source) (expand-file-name (concat (file-name-base source) ".elc") dir)))
         (byte-compile-error-on-warn t))
    (unwind-protect
        (should (byte-compile-file assistd-test-source))
      (delete-directory dir t))))

(ert-deftest assistd-test-package-install-file ()
  "package-install-file installs it, and its autoloads define the commands."
  (let* ((package-user-dir (make-temp-file "assistd-el-elpa" t))
         (package-alist nil)
         (package-activated-list nil))
    (unwind-protect
        (progn
          (package-install-file assistd-test-source)
          (should (package-installed-p 'assistd))
          (should (file-exists-p (expand-file-name "assistd-0.1.0/assistd.elc" package-user-dir)))
          (with-temp-buffer
            (insert-file-contents (expand-file-name "assistd-0.1.0/assistd-autoloads.el" package-user-dir))
            (should (string-match-p "(autoload 'assistd-chat " (buffer-string)))
            (should (string-match-p "(autoload 'assistd-send-region " (buffer-string)))))
      (delete-directory package-user-dir t))))

;;;; Against the binary

(ert-deftest assistd-test-streams-reply ()
  "A reply streams into the buffer, delta by delta, on a new thread."
  (let ((snapshots nil))
    (cl-letf* ((original (symbol-function 'assistd--on-event))
               ((symbol-function 'assistd--on-event)
                (lambda (event data)
                  (funcall original event data)
                  (when (equal event "thread.message.delta")
                    (push (assistd-test--text) snapshots)))))
      (assistd-test-with-chat chat
        (assistd-test--say chat "hi")
        (should (string-match-p "\\`You: hi\nAssistant: Hello there, friend\\.\n\nYou: \\'"
                                (assistd-test--text chat)))
        (should (>= (length snapshots) 4))
        ;; Part of the reply was shown before the rest had arrived.
        (should (cl-some (lambda (text) (and (string-match-p "Assistant: Hel" text)
                                             (not (string-match-p "friend\\." text))))
                         snapshots))
        (let ((thread-id (buffer-local-value 'assistd--thread-id chat)))
          (should (string-prefix-p "thread_" thread-id))
          (should (equal (car (assoc thread-id assistd--threads)) thread-id)))))))

(ert-deftest assistd-test-tool-round-trip ()
  "The model calls an Emacs Lisp tool through tools/call; its output reaches the reply."
  (assistd-test-with-chat chat
    (let ((calls nil))
      (assistd-define-tool "big_add"
                           (cl-function (lambda (&key left right)
                                          (push (list left right) calls)
                                          (+ left right)))
                           "Add two numbers"
                           '(:type "object"
                             :properties (:left (:type "integer") :right (:type "integer"))
                             :required ["left" "right"]))
      (assistd-test--say chat "please add 1 and 2")
      (should (equal calls '((1 2))))
      (let ((text (assistd-test--text chat)))
        (should (string-match-p "\\[tool big_add {\"left\":1,\"right\":2} → 3\\]" text))
        (should (string-match-p "The sum is 3\\." text))))))

(ert-deftest assistd-test-tool-error-becomes-output ()
  "A tool that signals an error answers tools/call with an error; the run goes on."
  (assistd-test-with-chat chat
    (assistd-define-tool "big_add" (lambda (&rest _) (error "Overflow in the adder"))
                         "Add two numbers" '(:type "object"))
    (assistd-test--say chat "please add 1 and 2")
    (let ((text (assistd-test--text chat)))
      (should (string-match-p "The sum is .*Overflow in the adder" text))
      (should-not (string-match-p "\\[run failed" text)))))

(ert-deftest assistd-test-cancel ()
  "assistd-cancel stops the stream and the run; the thread takes the next message."
  (assistd-test-with-chat chat
    (assistd-test--say chat "tell a story" t)
    (assistd-test--wait-for "the first words of the story"
                            (lambda () (string-match-p "Once" (assistd-test--text chat))))
    (let ((thread-id (buffer-local-value 'assistd--thread-id chat))
          (run-id (buffer-local-value 'assistd--run-id chat)))
      (with-current-buffer chat (assistd-cancel))
      (assistd-test--wait-for "the cancelled turn to end" (lambda () (assistd-test--idle-p chat)))
      (let ((text (assistd-test--text chat)))
        (should (string-match-p "\\[cancelled\\]\n\nYou: \\'" text))
        (should-not (string-match-p "never ends" text)))
      (should (equal (plist-get (assistd-test--request 'runs/retrieve
                                                       (list :thread_id thread-id :run_id run-id))
                                :status)
                     "cancelled")))
    (assistd-test--say chat "hi again")
    (should (string-match-p "You: hi again\nAssistant: Hello there, friend\\.\n\nYou: \\'"
                            (assistd-test--text chat)))))

(ert-deftest assistd-test-run-error-shown ()
  "A run that fails shows its last_error in the buffer."
  (assistd-test-with-chat chat
    (assistd-test--say chat "please fail")
    (should (string-match-p "\\[run failed: rate_limit_exceeded: [^]]*slow down[^]]*\\]\n\nYou: \\'"
                            (assistd-test--text chat)))))

(ert-deftest assistd-test-json-rpc-error-shown ()
  "A JSON-RPC error answer is shown with its code and message."
  (assistd-test-with-chat chat
    (with-current-buffer chat (assistd-switch-thread "thread_missing"))
    (assistd-test--wait-for "the error" (lambda () (assistd-test--idle-p chat)))
    (should (string-match-p "\\[error -32010: [^]]*thread_missing[^]]*\\]"
                            (assistd-test--text chat)))))

(ert-deftest assistd-test-switch-thread ()
  "Switching threads shows the other thread's messages, read back from assistd."
  (assistd-test-with-chat chat
    (assistd-test--say chat "hi")
    (let ((first (buffer-local-value 'assistd--thread-id chat)))
      (with-current-buffer chat (assistd-switch-thread ""))
      (should (equal (assistd-test--text chat) "You: "))
      (assistd-test--say chat "please fail")
      (let ((second (buffer-local-value 'assistd--thread-id chat)))
        (should-not (equal first second))
        (should (equal (mapcar #'car assistd--threads) (list second first)))
        (with-current-buffer chat (assistd-switch-thread first))
        (assistd-test--wait-for "the first thread's messages" (lambda () (assistd-test--idle-p chat)))
        (should (equal (assistd-test--text chat)
                       "You: hi\nAssistant: Hello there, friend.\n\nYou: "))
        (should (equal (buffer-local-value 'assistd--thread-id chat) first))))))

(ert-deftest assistd-test-send-region ()
  "assistd-send-region sends a region of another buffer, after an instruction."
  (assistd-test-with-chat chat
    (with-temp-buffer
      (insert "(defun f () 1)")
      (assistd-send-region (point-min) (point-max) "Explain"))
    (assistd-test--wait-for "the reply" (lambda () (assistd-test--idle-p chat)))
    (should (string-match-p "\\`You: Explain\n\n(defun f () 1)\nAssistant: Hello there, friend\\."
                            (assistd-test--text chat)))))

(ert-deftest assistd-test-clean-exit ()
  "assistd-shutdown ends the process with status 0."
  (assistd-test-with-chat chat
    (assistd-test--say chat "hi")
    (let ((process (assistd-process assistd--connection)))
      (assistd-shutdown)
      (assistd-test--wait-for "assistd to exit" (lambda () (not (process-live-p process))))
      (should (eq (process-status process) 'exit))
      (should (= (process-exit-status process) 0))
      (assistd-test--wait-for "the connection to be forgotten" (lambda () (null assistd--connection))))))

(ert-deftest assistd-test-dead-process-reported ()
  "assistd dying mid-reply is shown; the next message starts a new assistd."
  (assistd-test-with-chat chat
    (assistd-test--say chat "tell a story" t)
    (assistd-test--wait-for "the story to start"
                            (lambda () (string-match-p "Assistant: ." (assistd-test--text chat))))
    (let ((first (assistd-process assistd--connection)))
      (delete-process first)
      (assistd-test--wait-for "the turn to end" (lambda () (assistd-test--idle-p chat)))
      (should (string-match-p "\\[error -1: Server died\\]\n\nYou: \\'" (assistd-test--text chat)))
      (with-current-buffer chat (assistd-switch-thread ""))
      (assistd-test--say chat "hi")
      (should (equal (assistd-test--text chat) "You: hi\nAssistant: Hello there, friend.\n\nYou: "))
      (should-not (eq (assistd-process assistd--connection) first)))))

;;;; Batch entry point

(defun assistd-test-run ()
  "Run every test in batch; print \"N passed, N failed\" last and exit non-zero on failure."
  (let* ((stats (ert-run-tests-batch "^assistd-test-"))
         (passed (ert-stats-completed-expected stats))
         (failed (- (ert-stats-total stats) passed)))
    (princ (format "%d passed, %d failed\n" passed failed))
    (kill-emacs (if (zerop failed) 0 1))))

(provide 'assistd-test)
;;; assistd-test.el ends here
