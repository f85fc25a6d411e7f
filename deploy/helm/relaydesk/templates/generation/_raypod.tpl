{{/* Ray pods are matched by instance and component only: KubeRay adds its own labels to them. */}}
{{- define "relaydesk.rayPodSelectorLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: llm
{{- end -}}

{{/* The pod template of a Ray node: (dict "root" $ "role" "head"|"worker" "group" .Values.rayService.head). */}}
{{- define "relaydesk.rayPodTemplate" -}}
{{- $root := .root -}}
{{- $r := $root.Values.rayService -}}
{{- $group := .group -}}
metadata:
  labels:
    {{- include "relaydesk.labels" (dict "root" $root "component" "llm") | nindent 4 }}
    relaydesk.io/ray-node-type: {{ .role }}
spec:
  {{- /* The head's autoscaler sidecar talks to the API server with the token KubeRay arranges for it. */}}
  {{- if or (eq .role "worker") (not $r.enableInTreeAutoscaling) }}
  automountServiceAccountToken: false
  {{- end }}
  {{- with (include "relaydesk.imagePullSecrets" $root | trim) }}
  {{- . | nindent 2 }}
  {{- end }}
  securityContext:
    {{- toYaml $r.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ $root.Values.lifecycle.terminationGracePeriodSeconds }}
  {{- with $group.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $group.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $group.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: ray-{{ .role }}
      image: {{ include "relaydesk.rayImage" $root }}
      imagePullPolicy: {{ $r.image.pullPolicy }}
      {{- if eq .role "head" }}
      ports:
        - name: gcs-server
          containerPort: 6379
        - name: dashboard
          containerPort: 8265
        - name: client
          containerPort: 10001
        - name: serve
          containerPort: {{ $r.serve.port }}
        - name: metrics
          containerPort: 8080
      {{- else }}
      ports:
        - name: serve
          containerPort: {{ $r.serve.port }}
        - name: metrics
          containerPort: 8080
      {{- end }}
      env:
        {{- include "relaydesk.env" (dict "root" $root "env" (list $r.env) "secretEnv" (list)) | trim | nindent 8 }}
      lifecycle:
        preStop:
          exec:
            # Let the Serve proxy leave the endpoints and finish in-flight requests, then leave the cluster.
            command: ["/bin/sh", "-c", "sleep {{ $root.Values.lifecycle.preStopSleepSeconds }}; ray stop"]
      resources:
        {{- toYaml $group.resources | nindent 8 }}
      securityContext:
        {{- toYaml $r.containerSecurityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: shm
          mountPath: /dev/shm
        # Ray keeps CLI state and, with token auth, its auth token in ~/.ray of the image's `ray` user.
        - name: ray-dotdir
          mountPath: /home/ray/.ray
        - name: home
          mountPath: {{ tpl $r.env.RELAYDESK_HOME $root }}
        - name: model-cache
          mountPath: {{ $r.modelCache.mountPath }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $r.tmpSizeLimit }}
    - name: shm
      emptyDir:
        medium: Memory
        sizeLimit: {{ $r.shmSizeLimit }}
    - name: ray-dotdir
      emptyDir:
        sizeLimit: 16Mi
    - name: home
      emptyDir:
        sizeLimit: 1Gi
    - name: model-cache
      {{- if $r.modelCache.existingClaim }}
      persistentVolumeClaim:
        claimName: {{ $r.modelCache.existingClaim }}
      {{- else if $r.modelCache.persistence.enabled }}
      persistentVolumeClaim:
        claimName: {{ include "relaydesk.rayService.name" $root }}-model-cache
      {{- else }}
      emptyDir:
        sizeLimit: {{ $r.modelCache.persistence.size }}
      {{- end }}
{{- end -}}

{{/* A CPU quantity ("8", "500m", 2) as a float. */}}
{{- define "relaydesk.cpuQuantity" -}}
{{- $q := toString . -}}
{{- if hasSuffix "m" $q -}}
{{- divf (trimSuffix "m" $q | float64) 1000 -}}
{{- else -}}
{{- $q | float64 -}}
{{- end -}}
{{- end -}}

{{/* Fails the render when the Serve replicas can never all be placed on the worker group: Ray would keep
them pending forever and generation would wait on capacity that cannot come. */}}
{{- define "relaydesk.rayService.checkCapacity" -}}
{{- $r := .Values.rayService -}}
{{- $s := $r.serve -}}
{{- $replicas := ternary $s.autoscaling.maxReplicas $s.numReplicas $s.autoscaling.enabled | float64 -}}
{{- $workers := ternary $r.worker.maxReplicas $r.worker.replicas $r.enableInTreeAutoscaling | float64 -}}
{{- $limits := default dict $r.worker.resources.limits -}}
{{- $requests := default dict $r.worker.resources.requests -}}
{{- $perWorker := 1000000.0 -}}
{{- $gpus := float64 (default 0 $s.rayActorOptions.numGpus) -}}
{{- if gt $gpus 0.0 -}}
{{- $workerGpus := float64 (default 0 (get $limits "nvidia.com/gpu")) -}}
{{- $perWorker = minf $perWorker (floor (divf $workerGpus $gpus)) -}}
{{- end -}}
{{- $cpus := float64 (default 0 $s.rayActorOptions.numCpus) -}}
{{- if gt $cpus 0.0 -}}
{{- /* KubeRay gives Ray the container's CPU limit (else its request) unless num-cpus is set by hand. */}}
{{- $cpuQuantity := default (get $requests "cpu") (get $limits "cpu") | default 0 -}}
{{- $cpuQuantity = default $cpuQuantity (get $r.worker.rayStartParams "num-cpus") -}}
{{- $workerCpu := include "relaydesk.cpuQuantity" $cpuQuantity | float64 -}}
{{- $perWorker = minf $perWorker (floor (divf $workerCpu $cpus)) -}}
{{- end -}}
{{- if lt (mulf $perWorker $workers) $replicas -}}
{{- fail (printf "rayService: %v Serve replicas (num_cpus %v, num_gpus %v each) do not fit on %v worker pods of the %q group; raise rayService.worker resources or maxReplicas, or lower the replicas" $replicas $cpus $gpus $workers $r.worker.groupName) -}}
{{- end -}}
{{- end -}}

{{/* rayStartParams is a map of strings in the CRD, whatever YAML type the values file gave. */}}
{{- define "relaydesk.rayStartParams" -}}
{{- $params := dict -}}
{{- range $k, $v := . }}{{ $_ := set $params $k (toString $v) }}{{ end -}}
{{- toYaml $params -}}
{{- end -}}
