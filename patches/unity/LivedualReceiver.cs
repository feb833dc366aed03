// Drives a humanoid avatar from livedual's native OSC format (patches/README.md).
// Add this component to the avatar (the GameObject with the humanoid Animator), press Play,
// and run: livedual live --source mic --sink "osc://127.0.0.1:9000?format=native"
//
// How a pose reaches the bones. livedual sends each SMPL joint's LOCAL rotation relative
// to a rest pose in which every joint frame is aligned with the world axes. Chaining them
// down the tree gives each joint's GLOBAL rotation relative to that rest pose; the mirror
// x -> -x turns it into Unity's left-handed frame ((w, x, y, z) -> (w, x, -y, -z), see
// LivedualOsc.cs). An avatar's own bones have arbitrary local axes, so each bone keeps the
// world rotation it had at start (the avatar's T-pose, taken relative to the avatar's
// root) and is given:   bone.rotation = root.rotation * G_unity * restRotation.
// Bones the avatar lacks (UpperChest, toes, fingers) are skipped; their children still
// get the right world rotation.
using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using UnityEngine;

namespace Livedual
{
    [AddComponentMenu("livedual/Livedual Receiver")]
    [DisallowMultipleComponent]
    public sealed class LivedualReceiver : MonoBehaviour
    {
        [Header("Network")]
        [Tooltip("UDP port livedual sends the native format to (livedual's default: 9000).")]
        public int port = 9000;
        [Tooltip("Listen on every network interface (livedual runs on another machine); off = this machine only.")]
        public bool listenOnAllInterfaces = false;

        [Header("Avatar")]
        [Tooltip("The humanoid Animator to drive; empty = the one on this GameObject or its children. The avatar must stand in its T-pose when the component is first enabled.")]
        public Animator animator;
        [Tooltip("Move the hips with livedual's root translation.")]
        public bool applyRootPosition = true;
        [Tooltip("Metres of avatar per metre of livedual; 0 = from the avatar's hip height.")]
        public float positionScale = 0f;

        /// <summary>Frames received since the component was enabled.</summary>
        public int FramesReceived { get; private set; }
        /// <summary>Index of the last frame applied, -1 before the first.</summary>
        public int LastFrameIndex { get; private set; }
        /// <summary>Beat strength (0..1) of the last frame that carried one.</summary>
        public float LastBeat { get; private set; }
        /// <summary>Datagrams that were not valid OSC.</summary>
        public int MalformedPackets { get { return malformed; } }

        readonly object gate = new object();
        readonly PoseFrame received = new PoseFrame(); // written by the network thread
        readonly PoseFrame current = new PoseFrame();  // read on the main thread
        readonly float[] globalRotations = new float[Smpl.JointCount * 4];
        readonly Transform[] bones = new Transform[Smpl.JointCount];
        readonly Quaternion[] restRotations = new Quaternion[Smpl.JointCount];
        bool bonesFound; // the T-pose is taken once, at the first enable
        bool hasNewFrame;
        int framesPending;
        int malformed;
        float scale = 1f;
        Transform root;
        UdpClient client;
        Thread thread;
        volatile bool running;

        void OnEnable()
        {
            LastFrameIndex = -1;
            if (!bonesFound && !(bonesFound = FindBones())) { enabled = false; return; }
            try
            {
                var address = listenOnAllInterfaces ? IPAddress.Any : IPAddress.Loopback;
                client = new UdpClient(new IPEndPoint(address, port));
            }
            catch (SocketException exc)
            {
                Debug.LogError("livedual: cannot listen on UDP port " + port + ": " + exc.Message);
                enabled = false;
                return;
            }
            running = true;
            thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "livedual OSC" };
            thread.Start();
            Debug.Log("livedual: listening for the native format on UDP port " + port);
        }

        void OnDisable()
        {
            running = false;
            if (client != null) client.Close(); // unblocks Receive()
            if (thread != null) thread.Join(500);
            client = null;
            thread = null;
        }

        bool FindBones()
        {
            if (animator == null) animator = GetComponentInChildren<Animator>();
            if (animator == null || !animator.isHuman)
            {
                Debug.LogError("livedual: the receiver needs a humanoid Animator (Rig > Animation Type: Humanoid).");
                return false;
            }
            root = animator.transform;
            Quaternion toRoot = Quaternion.Inverse(root.rotation);
            for (int j = 0; j < Smpl.JointCount; j++)
            {
                var bone = (HumanBodyBones)Enum.Parse(typeof(HumanBodyBones), Smpl.HumanBodyBoneNames[j]);
                bones[j] = animator.GetBoneTransform(bone);
                if (bones[j] != null) restRotations[j] = toRoot * bones[j].rotation;
            }
            if (bones[0] == null) { Debug.LogError("livedual: the avatar has no Hips bone."); return false; }
            scale = positionScale;
            if (scale <= 0f)
            {
                float hipsHeight = root.InverseTransformPoint(bones[0].position).y;
                scale = hipsHeight > 0f ? hipsHeight / Smpl.RestPelvisHeight() : 1f;
            }
            return true;
        }

        void ReceiveLoop()
        {
            var messages = new System.Collections.Generic.List<OscMessage>(32);
            var assembler = new FrameAssembler();
            var completed = new PoseFrame();
            var sender = new IPEndPoint(IPAddress.Any, 0);
            while (running)
            {
                byte[] datagram;
                try { datagram = client.Receive(ref sender); }
                catch (SocketException) { continue; }       // e.g. an ICMP error; closing ends the loop
                catch (ObjectDisposedException) { break; }  // closed by OnDisable
                messages.Clear();
                try { OscReader.Read(datagram, 0, datagram.Length, messages); }
                catch (FormatException) { Interlocked.Increment(ref malformed); continue; }
                for (int m = 0; m < messages.Count; m++)
                {
                    if (!assembler.Push(messages[m], completed)) continue;
                    lock (gate)
                    {
                        received.CopyFrom(completed);
                        hasNewFrame = true;
                        framesPending++;
                    }
                }
            }
        }

        void LateUpdate() // after the Animator, so livedual's pose wins
        {
            lock (gate)
            {
                if (!hasNewFrame) return;
                current.CopyFrom(received);
                hasNewFrame = false;
                FramesReceived += framesPending;
                framesPending = 0;
            }
            Apply(current);
        }

        void Apply(PoseFrame frame)
        {
            LastFrameIndex = frame.Index;
            if (frame.HasBeat) LastBeat = frame.Beat;
            PoseMath.GlobalRotationsUnity(frame, globalRotations);
            Quaternion rootRotation = root.rotation;
            for (int j = 0; j < Smpl.JointCount; j++) // parents before children
            {
                if (bones[j] == null) continue;
                var g = new Quaternion(globalRotations[4 * j], globalRotations[4 * j + 1],
                                       globalRotations[4 * j + 2], globalRotations[4 * j + 3]);
                bones[j].rotation = rootRotation * g * restRotations[j];
            }
            if (applyRootPosition)
            {
                // pelvis = transl + RootRest in SMPL's frame; the mirror negates x.
                var pelvis = new Vector3(-(frame.Root[0] + Smpl.RootRest[0]),
                                         frame.Root[1] + Smpl.RootRest[1],
                                         frame.Root[2] + Smpl.RootRest[2]);
                bones[0].position = root.TransformPoint(pelvis * scale);
            }
        }
    }
}
